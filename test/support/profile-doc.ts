// The smallest profile document the schema accepts, for unit tests that check
// one part of it (health rules, the one-off, database forms): spread it and add
// the part under test.
export const MINIMAL_PROFILE = {
	id: 'p',
	name: 'P',
	version: { label: 'v' },
	database: { urlEnv: 'DATABASE_URL' },
	schemaVersion: { label: 's' },
	labels: { minUpgradeFrom: 'm', releaseNotes: 'r' },
	migrationLog: 'migrat',
} as const;
