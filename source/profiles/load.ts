import { readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { builtinProfiles, compileProfile, type Profile, type ProfileSet } from './profile.js';
import { validateProfile } from './schema.js';

// One loader for every profile: users' files (--profile FILE, then the user's
// directory) ahead of the built-ins, so a user's profile is asked first and
// one with a built-in's id replaces it. YAML is parsed only when there is a
// user file: the parser is loaded by import() so a plain run never pays for it.

export interface ProfileSources {
	env: NodeJS.ProcessEnv;
	/** --profile FILE, in the order given. */
	files?: string[];
	/** --profile-id ID. */
	forceId?: string;
}

/** `$XDG_CONFIG_HOME/upgrade-wizard/profiles` (default `~/.config/upgrade-wizard/profiles`). */
export function userProfileDir(env: NodeJS.ProcessEnv): string {
	const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(env.HOME || homedir(), '.config');
	return join(base, 'upgrade-wizard', 'profiles');
}

function userFiles(dir: string): string[] {
	let names: string[];
	try {
		names = readdirSync(dir);
	} catch (error) {
		// No directory is the usual case: no user profiles.
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
		throw new UsageError(`profiles directory ${dir}: cannot read it: ${(error as Error).message}`);
	}
	return names.filter((name) => /\.ya?ml$/.test(name)).sort().map((name) => join(dir, name));
}

type Parse = (text: string) => unknown;

async function yamlParser(): Promise<Parse> {
	// Bundled, yaml (CommonJS) arrives as the default export; unbundled, as named exports.
	const yaml = (await import('yaml')) as typeof import('yaml') & { default?: typeof import('yaml') };
	const parse = yaml.parse ?? yaml.default!.parse;
	return (text) => parse(text);
}

function readProfile(file: string, parse: Parse): Profile {
	let text: string;
	try {
		text = readFileSync(file, 'utf8');
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		throw new UsageError(`profile ${file}: cannot read it (${code === 'ENOENT' ? 'no such file' : (error as Error).message})`);
	}
	let value: unknown;
	try {
		value = parse(text);
	} catch (error) {
		throw new UsageError(`profile ${file}: not valid YAML: ${(error as Error).message.split('\n')[0]!.replace(/:\s*$/, '')}`);
	}
	return compileProfile(validateProfile(value, file), file);
}

export async function loadProfiles(sources: ProfileSources): Promise<ProfileSet> {
	const given = (sources.files ?? []).map((file) => resolve(file));
	const files = [...new Set([...given, ...userFiles(userProfileDir(sources.env))])];
	const builtins = builtinProfiles().profiles;
	const users: Profile[] = [];
	if (files.length > 0) {
		const parse = await yamlParser();
		for (const file of files) {
			const profile = readProfile(file, parse);
			const twin = users.find((other) => other.id === profile.id);
			if (twin) throw new UsageError(`profile ${file}: id: "${profile.id}" is already defined by ${twin.source}`);
			if (builtins.some((other) => other.id === profile.id)) profile.replaces = 'built-in';
			users.push(profile);
		}
	}
	const profiles = [...users, ...builtins.filter((builtin) => !users.some((user) => user.id === builtin.id))];
	if (sources.forceId === undefined) return { profiles };
	const forced = profiles.find((profile) => profile.id === sources.forceId);
	if (!forced) throw new UsageError(`--profile-id ${sources.forceId}: no such profile (known: ${profiles.map((profile) => profile.id).join(', ')})`);
	return { profiles, forced };
}

/** `upgrade-wizard profiles`: one line per profile (id, name, where from), or one JSON object per line. */
export function describeProfiles(set: ProfileSet, json: boolean): string[] {
	const idWidth = Math.max(16, ...set.profiles.map((profile) => profile.id.length + 1));
	const nameWidth = Math.max(24, ...set.profiles.map((profile) => profile.name.length + 1));
	return set.profiles.map((profile) => {
		const replaces = profile.replaces ? ` (replaces the ${profile.replaces} ${profile.id})` : '';
		if (json) return JSON.stringify({ id: profile.id, name: profile.name, source: profile.source, ...(profile.replaces ? { replaces: profile.replaces } : {}), ...(set.forced === profile ? { forced: true } : {}) });
		return `${profile.id.padEnd(idWidth)} ${profile.name.padEnd(nameWidth)} ${profile.source}${replaces}${set.forced === profile ? ' (forced by --profile-id)' : ''}`;
	});
}
