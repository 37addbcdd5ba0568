import type { ProfileHealth } from '../core/plan/health.js';
import type { PostChecks } from '../core/plan/checks.js';
import { readDatabase, type DatabaseSpec } from './database-schema.js';
import { readBehaviour } from './behaviour-schema.js';
import { kind, Reader, type Json } from './reader.js';

// The profile schema: what a profile file may say, checked at load so a bad
// file stops the run before anything is touched, in one line naming the file,
// the key and the problem (exit 2). Built-ins go through the same check.

/** One way to recognise a product: every condition given must hold. */
export interface MatchRule {
	/** Globs over the image repository path (`*` within one path segment, `**` across); any may match. */
	repository?: string[];
	/** Image labels: a string value must be equal, `true` means the label is present. */
	labels?: Record<string, string | true>;
	/** A regular expression over the container's command line (entrypoint and arguments, space-joined). */
	command?: string;
}

export interface ProfileDocument {
	id: string;
	name: string;
	/** Any rule may match; no rules: the profile is only chosen by --profile-id (or as the fallback `generic`). */
	match: MatchRule[];
	version: {
		/** The image label that carries the version when the tag does not name it. */
		label: string;
		/** The tag scheme (`X.Y.Z`, `vX.Y.Z`, `YY.0.N`): parsed and kept, not yet used for version selection. */
		tags?: TagScheme;
	};
	/** Where the app's database is (database-schema.ts): one or more forms, tried in a fixed order. */
	database: DatabaseSpec;
	schemaVersion: {
		/** SQL returning one value: the schema version the database is on (an integer is compared with the images' labels). */
		query?: string;
		/** What the product calls it in its own docs ("Engine DB Version"). */
		name?: string;
		/** The image label that declares the schema version the image needs. */
		label: string;
	};
	labels: { minUpgradeFrom: string; releaseNotes: string };
	/** A regular expression (matched ignoring case) for the app's log lines that are about migrations. */
	migrationLog: string;
	/** Upgrade policy: walk every minor line (the default, what vendors test) or go straight to the target. */
	upgrade?: { walk: 'minors' | 'direct' };
	/** Post-upgrade checks: the running version, failure log lines; warnings unless `gate`. */
	checks?: PostChecks;
	/** How the schema migrates: at start (the default), and the one-off command --migrate-first runs. */
	migration?: { automatic: boolean; oneOff?: { entrypoint?: string[]; command: string[] }; first: boolean; declared?: boolean };
	/** The HTTP check of the health gate: container port, path, expected status, rules over the JSON body. */
	health?: ProfileHealth;
}

export const TAG_SCHEMES = ['X.Y.Z', 'vX.Y.Z', 'YY.0.N'] as const;
export type TagScheme = (typeof TAG_SCHEMES)[number];

const LABEL_KEY = /^[A-Za-z0-9][\w.\-/]*$/;
const ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** Checks a parsed profile file (YAML or JSON) and returns it typed; throws a UsageError naming `source` and the key. */
export function validateProfile(value: Json, source: string): ProfileDocument {
	const r = new Reader(source);
	const top = r.object(value, '', ['id', 'name', 'match', 'version', 'database', 'schemaVersion', 'labels', 'migrationLog', 'migration', 'health', 'checks', 'upgrade']);
	const version = r.object(top.version, 'version', ['label', 'tags']);
	const schema = r.object(top.schemaVersion, 'schemaVersion', ['query', 'label', 'name']);
	const labels = r.object(top.labels, 'labels', ['minUpgradeFrom', 'releaseNotes']);
	const doc: ProfileDocument = {
		id: r.string(top.id, 'id', ID, 'lower-case letters, digits, ".", "_" or "-" (at most 64)'),
		name: r.string(top.name, 'name'),
		match: matchRules(r, top.match),
		version: {
			label: r.string(version.label, 'version.label', LABEL_KEY, 'a label key'),
			...(version.tags === undefined ? {} : { tags: r.string(version.tags, 'version.tags', /^(X\.Y\.Z|vX\.Y\.Z|YY\.0\.N)$/, `one of ${TAG_SCHEMES.join(', ')}`) as TagScheme }),
		},
		database: readDatabase(r, top.database),
		schemaVersion: {
			...(schema.query === undefined ? {} : { query: r.string(schema.query, 'schemaVersion.query') }),
			...(schema.name === undefined ? {} : { name: r.string(schema.name, 'schemaVersion.name') }),
			label: r.string(schema.label, 'schemaVersion.label', LABEL_KEY, 'a label key'),
		},
		labels: {
			minUpgradeFrom: r.string(labels.minUpgradeFrom, 'labels.minUpgradeFrom', LABEL_KEY, 'a label key'),
			releaseNotes: r.string(labels.releaseNotes, 'labels.releaseNotes', LABEL_KEY, 'a label key'),
		},
		migrationLog: r.regex(top.migrationLog, 'migrationLog'),
	};
	return { ...doc, ...readBehaviour(r, top) };
}

function matchRules(r: Reader, value: Json): MatchRule[] {
	if (value === undefined) return [];
	const list = Array.isArray(value) ? value : [value];
	return list.map((item, index) => {
		const key = Array.isArray(value) ? `match[${index}]` : 'match';
		const rule = r.object(item, key, ['repository', 'labels', 'command']);
		if (rule.repository === undefined && rule.labels === undefined) r.fail(key, 'needs repository or labels (or both)');
		const out: MatchRule = {};
		if (rule.command !== undefined) out.command = r.regex(rule.command, `${key}.command`);
		if (rule.repository !== undefined) out.repository = r.strings(rule.repository, `${key}.repository`, /^[\w.\-/:*]+$/, 'a repository glob (letters, digits, ".", "-", "_", ":", "/", "*")');
		if (rule.labels !== undefined) {
			const labels = r.object(rule.labels, `${key}.labels`, Object.keys(rule.labels ?? {}));
			out.labels = {};
			for (const [label, want] of Object.entries(labels)) {
				const at = `${key}.labels.${label}`;
				if (!LABEL_KEY.test(label)) r.fail(at, 'is not a label key');
				if (want !== true && typeof want !== 'string') r.fail(at, `must be a string (equal) or true (present), not ${kind(want)}`);
				out.labels[label] = want;
			}
		}
		return out;
	});
}
