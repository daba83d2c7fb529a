"""The human side of a hand-off: tickets, agents and the agent console.

The store modules (schema, tickets, accounts, records, metrics, retention)
are shared by the action server (which opens tickets and relays what users
write while they wait), the desk web server (agents) and the maintenance
commands. Everything goes through SQLAlchemy: SQLite by default, PostgreSQL
when WALLET_DESK_DB_URL names one.
"""
