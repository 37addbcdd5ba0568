// Built-in profile data (the schema of schema.ts, checked at load like a user's
// file). TypeScript rather than YAML only so the YAML parser stays out of a
// plain run's startup; keep it plain data: no functions, no RegExp.
export default {
	id: 'generic',
	name: 'generic container',
	// No rules: chosen when no other profile matches.
	match: [],
	version: { label: 'org.opencontainers.image.version' },
	database: { urlEnv: ['DATABASE_URL'] },
	schemaVersion: { label: 'io.upgrade-wizard.schema-version' },
	labels: { minUpgradeFrom: 'io.upgrade-wizard.min-upgrade-from', releaseNotes: 'io.upgrade-wizard.release-notes' },
	migrationLog: 'migrat',
};
