"""The panel's Convex function API: what its unchanged ``ConvexHttpClient`` calls
(``auth``, ``users``, ``audit_logs``), served by the service; other functions
forwarded to the Convex deployment."""
