// Anchore Engine, from its Dockerfile and upgrade guide: the database is
// ANCHORE_DB_HOST/PORT/NAME/USER/PASSWORD (the image sets port, name and user
// defaults), the service answers /health on 8228 (its own HEALTHCHECK) and
// /version with the code and DB schema versions; the guide's manual path is
// `anchore-manager db upgrade --dontask` in a container of the new image.
// Plain data, see generic.ts.
export default {
	id: 'anchore-engine',
	name: 'Anchore Engine',
	match: [{ repository: ['**/anchore/anchore-engine', 'anchore/anchore-engine'] }],
	version: { label: 'version', tags: 'vX.Y.Z' },
	database: {
		env: {
			host: 'ANCHORE_DB_HOST',
			port: 'ANCHORE_DB_PORT',
			name: 'ANCHORE_DB_NAME',
			user: 'ANCHORE_DB_USER',
			password: 'ANCHORE_DB_PASSWORD',
			defaults: { port: 5432, name: 'postgres', user: 'postgres' },
		},
	},
	schemaVersion: { query: 'SELECT db_version FROM anchore', name: 'Engine DB Version', label: 'io.upgrade-wizard.schema-version' },
	labels: { minUpgradeFrom: 'io.upgrade-wizard.min-upgrade-from', releaseNotes: 'io.upgrade-wizard.release-notes' },
	migrationLog: 'upgrad|migrat',
	migration: { automatic: true, oneOff: { command: ['anchore-manager', 'db', 'upgrade', '--dontask'] } },
	health: { port: 8228, path: '/health', status: 200 },
	checks: { version: { port: 8228, path: '/version', json: 'service.version' }, gate: false },
};
