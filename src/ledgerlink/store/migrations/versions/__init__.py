"""The store's schema changes, one numbered file each, applied in order whenever a store is opened."""
