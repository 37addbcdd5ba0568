// The fixture product of the test world and demo (acme/app); plain data, see generic.ts.
export default {
	id: 'acme-app',
	name: 'Acme app',
	// By where it comes from (127.0.0.1:5000/acme/app, acme/app) or by the label only its images carry.
	match: [{ repository: ['acme/app', '*/acme/app'] }, { labels: { 'com.acme.app.schema-version': true } }],
	version: { label: 'org.opencontainers.image.version', tags: 'X.Y.Z' },
	database: { urlEnv: ['DATABASE_URL'] },
	schemaVersion: { query: 'SELECT max(version) FROM schema_version', label: 'com.acme.app.schema-version' },
	labels: { minUpgradeFrom: 'com.acme.app.min-upgrade-from', releaseNotes: 'com.acme.app.release-notes' },
	migrationLog: 'migrat',
	// The fixture's entrypoint migrates at start; `migrate` migrates and exits (what --migrate-first runs).
	migration: { automatic: true, oneOff: { command: ['migrate'] } },
	// Its health body carries Quay's `is_testing`: a testing instance is not a healthy one.
	health: { port: 8080, path: '/health/endtoend', status: 200, body: [{ path: 'is_testing', equals: false, optional: true }] },
};
