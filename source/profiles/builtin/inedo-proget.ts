// Inedo ProGet, from its Docker docs: the database is an Npgsql connection
// string in PROGET_POSTGRES_CONNECTION_STRING, or SQL Server's in
// PROGET_SQL_CONNECTION_STRING / SQL_CONNECTION_STRING (which the wizard
// cannot back up: it says so and needs --skip-backup); without either, ProGet
// 2025+ runs its embedded PostgreSQL on /var/proget/database, copied with the
// container stopped (postgres/data-dir-snapshot.ts); `upgradedb` is the
// one-off schema upgrade; /health reports the database and service status and
// the release. Plain data, see generic.ts.
export default {
	id: 'inedo-proget',
	name: 'Inedo ProGet',
	match: [{ repository: ['**/inedo/proget', 'inedo/proget'] }],
	version: { label: 'org.opencontainers.image.version', tags: 'YY.0.N' },
	database: {
		connectionStrings: [
			{ env: 'PROGET_POSTGRES_CONNECTION_STRING', dialect: 'npgsql' },
			{ env: 'PROGET_SQL_CONNECTION_STRING', dialect: 'sqlserver' },
			{ env: 'SQL_CONNECTION_STRING', dialect: 'sqlserver' },
			{ env: '*_SQL_CONNECTION_STRING', dialect: 'sqlserver' },
		],
		embedded: { dataDir: '/var/proget/database' },
	},
	schemaVersion: { label: 'io.upgrade-wizard.schema-version' },
	labels: { minUpgradeFrom: 'io.upgrade-wizard.min-upgrade-from', releaseNotes: 'io.upgrade-wizard.release-notes' },
	migrationLog: 'upgradedb|migrat|updating database',
	migration: { automatic: true, oneOff: { entrypoint: ['/usr/local/proget/service/proget'], command: ['upgradedb'] } },
	health: {
		port: 80,
		path: '/health',
		status: 200,
		body: [
			{ path: 'databaseStatus', equals: 'OK' },
			{ path: 'serviceStatus', equals: 'OK' },
		],
	},
	checks: { version: { port: 80, path: '/health', json: 'releaseNumber' }, gate: false },
	// Inedo's schema upgrades chain from any release: no minor stops.
	upgrade: { walk: 'direct' },
};
