"""Most Popular: counting article views (counting, store, middleware) and ranking them into a snapshot."""
