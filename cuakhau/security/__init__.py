"""Security pieces every floor uses: secret rules and deploy checks, hostile-input guard,
client addresses behind proxies, shared throttles, admin scoping, document checks."""
