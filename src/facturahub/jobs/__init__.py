"""Background work (mail, push notifications, status feeds), enqueued only after commit."""
