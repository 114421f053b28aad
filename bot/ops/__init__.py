"""Operating a deployed quizbot: backups, exports, heartbeat and health checks."""
