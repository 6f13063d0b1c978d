"""Records coming in from the job system, checked against the company's lists before they are stored."""
