import type { MatchRule } from './schema.js';

// Profile rules against what inspect says. Only the fields used are typed, so
// a list row (no image inspect) can be asked the same way as a full inspect.

export interface Inspected {
	container?: { Config?: { Image?: string; Labels?: Record<string, string> | null }; Path?: string; Args?: string[]; Command?: string } | null;
	image?: { Config?: { Labels?: Record<string, string> | null } | null; RepoTags?: string[] } | null;
}

/** The repository path of a reference: `127.0.0.1:5000/acme/app:1.6.0@sha256:…` -> `127.0.0.1:5000/acme/app`. */
export function repositoryPath(ref: string): string {
	const at = ref.indexOf('@');
	const bare = at >= 0 ? ref.slice(0, at) : ref;
	const slash = bare.lastIndexOf('/');
	const colon = bare.lastIndexOf(':');
	return colon > slash ? bare.slice(0, colon) : bare;
}

/** Docker Hub names are written short (`acme/app`, `postgres`); a glob may name either form. */
function spellings(repository: string): string[] {
	const first = repository.split('/')[0]!;
	const hasRegistry = repository.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
	if (hasRegistry) return [repository];
	const path = repository.includes('/') ? repository : `library/${repository}`;
	return [repository, path, `docker.io/${path}`];
}

/** `*` stays within one path segment, `**` crosses them; everything else is literal. */
export function globToRegExp(glob: string): RegExp {
	let found = compiled.get(glob);
	if (!found) {
		found = compileGlob(glob);
		compiled.set(glob, found);
	}
	return found;
}

// Profiles are matched against every row and every planned container: the
// rules' few globs and patterns are compiled once per process, not per match.
const compiled = new Map<string, RegExp>();
const commandPatterns = new Map<string, RegExp>();

function commandPattern(source: string): RegExp {
	let found = commandPatterns.get(source);
	if (!found) {
		found = new RegExp(source, 'i');
		commandPatterns.set(source, found);
	}
	return found;
}

function compileGlob(glob: string): RegExp {
	const parts = glob.split(/(\*\*|\*)/).map((part) => (part === '**' ? '.*' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')));
	return new RegExp(`^${parts.join('')}$`);
}

export function labelsOf(inspected: Inspected): Record<string, string> {
	return { ...(inspected.container?.Config?.Labels ?? {}), ...(inspected.image?.Config?.Labels ?? {}) };
}

export function matchesRule(rule: MatchRule, inspected: Inspected): boolean {
	if (rule.repository) {
		const refs = [inspected.container?.Config?.Image, ...(inspected.image?.RepoTags ?? [])].filter((ref): ref is string => Boolean(ref));
		const names = refs.flatMap((ref) => spellings(repositoryPath(ref)));
		const globs = rule.repository.map(globToRegExp);
		if (!names.some((name) => globs.some((glob) => glob.test(name)))) return false;
	}
	if (rule.command) {
		// An inspect has Path and Args; a list row has the same command line joined in Command.
		const container = inspected.container;
		const line = container?.Path ? [container.Path, ...(container.Args ?? [])].join(' ') : container?.Command;
		if (line === undefined || !commandPattern(rule.command).test(line)) return false;
	}
	if (rule.labels) {
		const labels = labelsOf(inspected);
		for (const [key, want] of Object.entries(rule.labels)) {
			if (!(key in labels)) return false;
			if (want !== true && labels[key] !== want) return false;
		}
	}
	return true;
}
