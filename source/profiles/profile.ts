// What the wizard knows about a product: where its version, schema version and
// upgrade constraints are declared, where its database is, how to ask the
// database which schema it is on. Products without a profile get the generic one.

export interface Profile {
	id: string;
	name: string;
	/** Image labels that identify the product. */
	matches(labels: Record<string, string>): boolean;
	labels: {
		version: string;
		schemaVersion: string;
		minUpgradeFrom: string;
		releaseNotes: string;
	};
	/** Environment variables of the app container that hold its database URL, in order of preference. */
	databaseUrlEnv: string[];
	/** SQL returning one integer: the schema version the database is on. */
	schemaVersionQuery?: string;
	/** Log lines of the app that are about migrations (shown prominently while it starts). */
	migrationLog: RegExp;
}

export const genericProfile: Profile = {
	id: 'generic',
	name: 'generic container',
	matches: () => true,
	labels: {
		version: 'org.opencontainers.image.version',
		schemaVersion: 'io.upgrade-wizard.schema-version',
		minUpgradeFrom: 'io.upgrade-wizard.min-upgrade-from',
		releaseNotes: 'io.upgrade-wizard.release-notes',
	},
	databaseUrlEnv: ['DATABASE_URL'],
	migrationLog: /migrat/i,
};

/** The fixture product of the test world and demo (acme/app). */
export const acmeProfile: Profile = {
	id: 'acme-app',
	name: 'Acme app',
	matches: (labels) => 'com.acme.app.schema-version' in labels,
	labels: {
		version: 'org.opencontainers.image.version',
		schemaVersion: 'com.acme.app.schema-version',
		minUpgradeFrom: 'com.acme.app.min-upgrade-from',
		releaseNotes: 'com.acme.app.release-notes',
	},
	databaseUrlEnv: ['DATABASE_URL'],
	schemaVersionQuery: 'SELECT max(version) FROM schema_version',
	migrationLog: /migrat/i,
};

const PROFILES: Profile[] = [acmeProfile];

export function profileFor(labels: Record<string, string> | undefined | null): Profile {
	const present = labels ?? {};
	return PROFILES.find((profile) => profile.matches(present)) ?? genericProfile;
}
