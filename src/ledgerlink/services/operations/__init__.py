"""What keeps connections working: sealed tokens, refreshing, scheduling, and reaching the packages."""
