// world.env, as written by test/world/up.sh, read back as an object. Shared by
// the test global setup and the benchmarks.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_WORLD_DIR = '/var/tmp/upgrade-wizard-world';

/** @param {string} text @returns {Record<string, string>} */
export function parseWorldEnv(text) {
	/** @type {Record<string, string>} */
	const env = {};
	for (const line of text.split('\n')) {
		const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
		if (match) env[match[1]] = match[2].replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
	}
	return env;
}

/** @returns {Record<string, string>} */
export function readWorldEnv(dir = process.env.UW_WORLD_DIR ?? DEFAULT_WORLD_DIR) {
	return parseWorldEnv(readFileSync(join(dir, 'world.env'), 'utf8'));
}
