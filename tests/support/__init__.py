"""What several test folders share: the packages' published specs as validators, and fixtures' parts."""
