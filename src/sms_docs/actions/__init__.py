"""What writes: new documents, approvals, reviews, withdrawals, records, new repositories."""
