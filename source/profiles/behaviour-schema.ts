import type { BodyRule } from '../core/plan/health.js';
import type { PostChecks } from '../core/plan/checks.js';
import type { ProfileDocument } from './schema.js';
import { kind, type Json, type Reader } from './reader.js';

// The parts of a profile that decide what a run does beyond finding things:
// the health gate's HTTP check, how the schema migrates, the post-upgrade
// checks and the upgrade policy. Read with schema.ts's Reader, so a mistake is
// the same one line naming the file and the key.

type Behaviour = Pick<ProfileDocument, 'health' | 'migration' | 'checks' | 'upgrade'>;

export function readBehaviour(r: Reader, top: Record<string, Json>): Behaviour {
	const out: Behaviour = {};
	if (top.migration !== undefined) out.migration = migration(r, top.migration);
	if (top.checks !== undefined) out.checks = checks(r, top.checks);
	if (top.upgrade !== undefined) {
		const upgrade = r.object(top.upgrade, 'upgrade', ['walk']);
		out.upgrade = { walk: r.string(upgrade.walk, 'upgrade.walk', /^(minors|direct)$/, 'minors or direct') as 'minors' | 'direct' };
	}
	if (top.health !== undefined) {
		const health = r.object(top.health, 'health', ['port', 'path', 'status', 'body']);
		out.health = {
			port: r.integer(health.port, 'health.port', 1, 65_535),
			path: r.string(health.path, 'health.path', /^\/\S*$/, 'a path starting with "/"'),
			status: health.status === undefined ? 200 : r.integer(health.status, 'health.status', 100, 599),
			...(health.body === undefined ? {} : { body: bodyRules(r, health.body) }),
		};
	}
	return out;
}

/** `migration: { automatic: true, oneOff: { entrypoint: [...], command: [...] }, first: false }`. */
function migration(r: Reader, value: Json): NonNullable<ProfileDocument['migration']> {
	const m = r.object(value, 'migration', ['automatic', 'oneOff', 'first']);
	const flag = (item: Json, key: string, fallback: boolean) => {
		if (item === undefined) return fallback;
		if (typeof item !== 'boolean') r.fail(key, `must be true or false, not ${kind(item)}`);
		return item;
	};
	// `declared`: the profile speaks about migrations, so an image that declares no schema may still migrate.
	const out: NonNullable<ProfileDocument['migration']> = { automatic: flag(m.automatic, 'migration.automatic', true), first: flag(m.first, 'migration.first', false), declared: true };
	if (m.oneOff !== undefined) {
		const one = r.object(m.oneOff, 'migration.oneOff', ['entrypoint', 'command']);
		// Argument lists, never a shell string: a single string is one argument.
		out.oneOff = {
			...(one.entrypoint === undefined ? {} : { entrypoint: r.strings(one.entrypoint, 'migration.oneOff.entrypoint') }),
			command: r.strings(one.command, 'migration.oneOff.command'),
		};
	}
	if (out.first && !out.oneOff) r.fail('migration.first', 'needs migration.oneOff: there is no command to run first');
	if (!out.automatic && !out.oneOff) r.fail('migration.automatic', 'false needs migration.oneOff: something has to migrate the schema');
	return out;
}

/** `checks: { version: { port, path, json }, logs: { fail: [...], watchS }, gate }`. */
function checks(r: Reader, value: Json): PostChecks {
	const c = r.object(value, 'checks', ['version', 'logs', 'gate']);
	if (c.gate !== undefined && typeof c.gate !== 'boolean') r.fail('checks.gate', `must be true or false, not ${kind(c.gate)}`);
	const out: PostChecks = { gate: c.gate === true };
	if (c.version !== undefined) {
		const v = r.object(c.version, 'checks.version', ['port', 'path', 'json']);
		out.version = {
			port: r.integer(v.port, 'checks.version.port', 1, 65_535),
			path: r.string(v.path, 'checks.version.path', /^\/\S*$/, 'a path starting with "/"'),
			json: r.string(v.json, 'checks.version.json', /^[\w-]+(\.[\w-]+)*$/, 'a dotted path of keys (e.g. service.version)'),
		};
	}
	if (c.logs !== undefined) {
		const l = r.object(c.logs, 'checks.logs', ['fail', 'watchS']);
		const fail = r.strings(l.fail, 'checks.logs.fail');
		fail.forEach((pattern, index) => r.regex(pattern, `checks.logs.fail[${index}]`));
		out.logs = { fail, watchS: l.watchS === undefined ? 10 : r.integer(l.watchS, 'checks.logs.watchS', 0, 300) };
	}
	if (!out.version && !out.logs) r.fail('checks', 'needs version or logs (or both)');
	return out;
}

const RULE_PATH = /^(\*|[\w-]+)(\.(\*|[\w-]+))*$/;

/** `- { path: data.services.*, equals: true }`, `- { path: is_testing, equals: false, optional: true }`. */
function bodyRules(r: Reader, value: Json): BodyRule[] {
	if (!Array.isArray(value) || value.length === 0) r.fail('health.body', `must be a non-empty list of rules, not ${kind(value)}`);
	return value.map((item, index) => {
		const key = `health.body[${index}]`;
		const rule = r.object(item, key, ['path', 'equals', 'optional']);
		const path = r.string(rule.path, `${key}.path`, RULE_PATH, 'a dotted path of keys, "*" for every key or element (e.g. data.services.*)');
		const equals = rule.equals;
		if (!(equals === null || ['string', 'number', 'boolean'].includes(typeof equals))) r.fail(`${key}.equals`, `must be a string, number, true/false or null, not ${kind(equals)}`);
		if (rule.optional !== undefined && typeof rule.optional !== 'boolean') r.fail(`${key}.optional`, `must be true or false, not ${kind(rule.optional)}`);
		return { path, equals: equals as BodyRule['equals'], ...(rule.optional === true ? { optional: true } : {}) };
	});
}

