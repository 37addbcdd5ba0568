import { validateProfile, type MatchRule, type ProfileDocument } from './schema.js';
import type { DatabaseSpec } from './database-schema.js';
import genericData from './builtin/generic.js';
import acmeData from './builtin/acme-app.js';
import quayData from './builtin/quay.js';
import anchoreData from './builtin/anchore-engine.js';
import progetData from './builtin/inedo-proget.js';
import inedoData from './builtin/inedo-buildmaster-otter.js';
import { matchesRule, type Inspected } from './match.js';

// What the wizard knows about a product: where its version, schema version and
// upgrade constraints are declared, where its database is, how to ask the
// database which schema it is on. Profiles are data (schema.ts): the built-ins
// here and users' files (load.ts) go through the same validation; products
// without a matching profile get `generic`.

export interface Profile {
	id: string;
	name: string;
	/** Where it was loaded from: `built-in` or the file's path. */
	source: string;
	/** The built-in this file replaced (same id), if any. */
	replaces?: string;
	match: MatchRule[];
	labels: {
		version: string;
		schemaVersion: string;
		minUpgradeFrom: string;
		releaseNotes: string;
	};
	/** Where the app's database is: the forms of database-schema.ts, tried in their fixed order. */
	database: DatabaseSpec;
	/** SQL returning one value: the schema version the database is on. */
	schemaVersionQuery?: string;
	/** What the product calls its schema version. */
	schemaName?: string;
	/** Log lines of the app that are about migrations (shown prominently while it starts). */
	migrationLog: RegExp;
	/** How the schema migrates (at start; the one-off --migrate-first runs). */
	migration: NonNullable<ProfileDocument['migration']>;
	/** Upgrade policy (versions/path.ts `walk`). */
	upgrade: NonNullable<ProfileDocument['upgrade']>;
	/** Post-upgrade checks (core/plan/checks.ts). */
	checks?: ProfileDocument['checks'];
	/** The health gate's HTTP check (core/plan/health.ts healthOptionsFor). */
	health?: ProfileDocument['health'];
	/** Kept from the file; not used by version selection yet. */
	tagScheme?: ProfileDocument['version']['tags'];
}

/** Loaded profiles in matching order, and the one --profile-id forces (if given). */
export interface ProfileSet {
	profiles: Profile[];
	forced?: Profile;
}

/** The runtime form of a validated document. */
export function compileProfile(doc: ProfileDocument, source: string): Profile {
	return {
		id: doc.id,
		name: doc.name,
		source,
		match: doc.match,
		labels: {
			version: doc.version.label,
			schemaVersion: doc.schemaVersion.label,
			minUpgradeFrom: doc.labels.minUpgradeFrom,
			releaseNotes: doc.labels.releaseNotes,
		},
		database: doc.database,
		...(doc.schemaVersion.query === undefined ? {} : { schemaVersionQuery: doc.schemaVersion.query }),
		...(doc.schemaVersion.name === undefined ? {} : { schemaName: doc.schemaVersion.name }),
		migrationLog: new RegExp(doc.migrationLog, 'i'),
		migration: doc.migration ?? { automatic: true, first: false },
		upgrade: doc.upgrade ?? { walk: 'minors' },
		...(doc.health ? { health: doc.health } : {}),
		...(doc.checks ? { checks: doc.checks } : {}),
		...(doc.version.tags ? { tagScheme: doc.version.tags } : {}),
	};
}

const BUILT_IN = 'built-in';

function builtin(data: unknown): Profile {
	const doc = validateProfile(data, `${BUILT_IN} ${(data as { id?: string }).id}`);
	return compileProfile(doc, BUILT_IN);
}

export const genericProfile: Profile = builtin(genericData);
/** The fixture product of the test world and demo (acme/app). */
export const acmeProfile: Profile = builtin(acmeData);

/** The seed products' profiles (the vendor guides this tool automates). */
export const productProfiles: Profile[] = [quayData, anchoreData, progetData, inedoData].map(builtin);

/** The built-ins alone: what a run without user profiles uses. */
export function builtinProfiles(): ProfileSet {
	return { profiles: [genericProfile, acmeProfile, ...productProfiles] };
}

/**
 * The one place a container's profile is decided (plan, run and TUI ask the
 * same question the same way): the forced one, else the first whose rules
 * match the container's image repository and its labels (the image's win over
 * the container's), else `generic`.
 */
export function profileFor(container: Inspected['container'], image: Inspected['image'], set: ProfileSet = builtinProfiles()): Profile {
	if (set.forced) return set.forced;
	const inspected = { container, image };
	const found = set.profiles.find((profile) => profile.match.some((rule) => matchesRule(rule, inspected)));
	return found ?? set.profiles.find((profile) => profile.id === 'generic') ?? genericProfile;
}
