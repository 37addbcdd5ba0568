// Inedo BuildMaster and Otter: the same database conventions as ProGet (an
// Npgsql or a SQL Server connection string in the env), health on /health.
// Their one-off upgrade command is not known here, so migrations are the
// image's own at start. Plain data, see generic.ts.
export default {
	id: 'inedo-buildmaster-otter',
	name: 'Inedo BuildMaster / Otter',
	match: [{ repository: ['**/inedo/buildmaster', 'inedo/buildmaster', '**/inedo/otter', 'inedo/otter'] }],
	version: { label: 'org.opencontainers.image.version', tags: 'YY.0.N' },
	database: {
		connectionStrings: [
			{ env: '*_POSTGRES_CONNECTION_STRING', dialect: 'npgsql' },
			{ env: 'SQL_CONNECTION_STRING', dialect: 'sqlserver' },
			{ env: '*_SQL_CONNECTION_STRING', dialect: 'sqlserver' },
		],
	},
	schemaVersion: { label: 'io.upgrade-wizard.schema-version' },
	labels: { minUpgradeFrom: 'io.upgrade-wizard.min-upgrade-from', releaseNotes: 'io.upgrade-wizard.release-notes' },
	migrationLog: 'migrat|updating database',
	migration: { automatic: true },
	health: { port: 80, path: '/health', status: 200 },
	upgrade: { walk: 'direct' },
};
