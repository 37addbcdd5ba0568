// Red Hat Quay / Project Quay, from its docs and code (health/healthcheck.py):
// the database is DB_URI in the config.yaml the container mounts at
// /conf/stack; /health/endtoend answers 200 only when every service is up, and
// its body carries `is_testing` (inside `data`) for superusers and debug
// sessions; Alembic migrates the schema at start, its revision is in
// alembic_version. Plain data, see generic.ts.
export default {
	id: 'quay',
	name: 'Quay',
	match: [{ repository: ['**/projectquay/quay', 'projectquay/quay', '**/quay/quay-rhel8', '**/quay/quay-rhel9', '**/coreos/registry', '**/coreos/quay-enterprise', '**/quay-enterprise'] }],
	// Tags come with and without the leading v (v3.9.0, 3.9.0): both read as one version.
	version: { label: 'version', tags: 'vX.Y.Z' },
	database: { configFile: { path: '/conf/stack/config.yaml', format: 'yaml', key: 'DB_URI' } },
	// An Alembic revision is a hash: shown in the plan, never compared.
	schemaVersion: { query: 'SELECT version_num FROM alembic_version', name: 'Alembic revision', label: 'io.upgrade-wizard.schema-version' },
	labels: { minUpgradeFrom: 'io.upgrade-wizard.min-upgrade-from', releaseNotes: 'io.upgrade-wizard.release-notes' },
	migrationLog: 'alembic|migrat',
	migration: { automatic: true },
	health: {
		port: 8080,
		path: '/health/endtoend',
		status: 200,
		body: [
			{ path: 'data.services.*', equals: true },
			{ path: 'data.is_testing', equals: false, optional: true },
		],
	},
	// Quay supports upgrades from the previous minor only: walk every minor line.
	upgrade: { walk: 'minors' },
};
