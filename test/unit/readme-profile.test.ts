import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateProfile } from '../../source/profiles/schema.js';

// The README's complete profile example is what users copy: it must stay valid
// and keep naming every top-level key the schema knows.

describe('the README profile example', () => {
	const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
	const block = /A complete example, every key:\n\n```yaml\n([\s\S]*?)```/.exec(readme)?.[1];

	it('validates, with every top-level key', () => {
		expect(block).toBeDefined();
		const doc = validateProfile(parse(block!), 'README.md');
		expect(Object.keys(doc).sort()).toEqual(['checks', 'database', 'health', 'id', 'labels', 'match', 'migration', 'migrationLog', 'name', 'schemaVersion', 'upgrade', 'version']);
		expect(doc.health?.body).toHaveLength(2);
		expect(doc.migration?.oneOff?.command).toEqual(['db', 'upgrade']);
	});
});
