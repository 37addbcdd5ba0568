// The copies and restores behind a Compose edit, on real files in a temp dir:
// a restore is byte-exact, idempotent, and never overwrites a file someone
// else changed since; the plan's diff shows the changed line with context.
import { mkdtempSync, readFileSync, statSync, writeFileSync, existsSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { restoreCopy, saveCopies, writeEdits, filesNow } from '../../source/targets/compose/files.js';
import { editDiff } from '../../source/targets/compose/describe.js';
import { handCommand } from '../../source/targets/compose/undo.js';
import type { ComposeRecord } from '../../source/targets/compose/unit.js';

const made: string[] = [];
afterAll(() => {
	for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function project() {
	const dir = mkdtempSync(join(tmpdir(), 'uw-compose-files-'));
	made.push(dir);
	const compose = join(dir, 'compose.yml');
	const before = '# mine\r\nservices:\r\n  web:\r\n    image: "repo/web:1.6.0" # pinned\r\n';
	writeFileSync(compose, before);
	chmodSync(compose, 0o640);
	const after = before.replace('1.6.0', '1.7.0');
	return { dir, compose, before, after, copies: join(dir, 'copies') };
}

describe('compose file copies', () => {
	it('copies first (0600), writes the edit keeping the mode, and restores byte for byte, twice', async () => {
		const p = project();
		const [copy] = await saveCopies([{ path: p.compose, before: p.before, after: p.after }], p.copies);
		expect(readFileSync(copy!.copy, 'utf8')).toBe(p.before);
		expect(statSync(copy!.copy).mode & 0o777).toBe(0o600);
		expect(readFileSync(p.compose, 'utf8')).toBe(p.before);
		await writeEdits([{ path: p.compose, before: p.before, after: p.after }]);
		expect(readFileSync(p.compose, 'utf8')).toBe(p.after);
		expect(statSync(p.compose).mode & 0o777).toBe(0o640);
		expect(await filesNow([copy!])).toEqual([`file ${p.compose}: as the run wrote it (copy ${copy!.copy})`]);
		expect(await restoreCopy(copy!)).toBe('restored');
		expect(readFileSync(p.compose, 'utf8')).toBe(p.before);
		expect(statSync(p.compose).mode & 0o777).toBe(0o640);
		expect(await restoreCopy(copy!)).toBe('already');
	});

	it('refuses to overwrite a file changed by someone else since the edit', async () => {
		const p = project();
		const [copy] = await saveCopies([{ path: p.compose, before: p.before, after: p.after }], p.copies);
		writeFileSync(p.compose, 'services: {}\n');
		await expect(restoreCopy(copy!)).rejects.toThrow(/changed since the wizard edited it.*copy of the original is/);
		expect(readFileSync(p.compose, 'utf8')).toBe('services: {}\n');
	});

	it('refuses a copy that does not match its recorded checksum', async () => {
		const p = project();
		const [copy] = await saveCopies([{ path: p.compose, before: p.before, after: p.after }], p.copies);
		await writeEdits([{ path: p.compose, before: p.before, after: p.after }]);
		writeFileSync(copy!.copy, 'tampered');
		await expect(restoreCopy(copy!)).rejects.toThrow(/does not match the checksum/);
		expect(readFileSync(p.compose, 'utf8')).toBe(p.after);
	});

	it('an env file the edit created is removed again', async () => {
		const p = project();
		const env = join(p.dir, '.env');
		const [copy] = await saveCopies([{ path: env, before: undefined, after: 'TAG=1.7.0\n' }], p.copies);
		await writeEdits([{ path: env, before: undefined, after: 'TAG=1.7.0\n' }]);
		expect(copy!.created).toBe(true);
		expect(await restoreCopy(copy!)).toBe('restored');
		expect(existsSync(env)).toBe(false);
		expect(await restoreCopy(copy!)).toBe('already');
	});
});

describe('the plan diff', () => {
	it('shows the changed line with one line of context', () => {
		const before = 'services:\n  web:\n    image: repo/web:1.6.0\n    ports: []\n  db:\n';
		expect(editDiff({ path: '/p/compose.yml', before, after: before.replace('1.6.0', '1.7.0') })).toEqual([
			'--- /p/compose.yml',
			'+++ /p/compose.yml',
			'@@ line 3 @@',
			'   web:',
			'-    image: repo/web:1.6.0',
			'+    image: repo/web:1.7.0',
			'     ports: []',
		]);
	});
});

describe('hand-over commands', () => {
	const record = {
		service: 'web',
		stopTimeoutS: 10,
		strip: ['TAG', 'UNSET_HERE'],
		cli: { flavor: 'v1', file: 'docker-compose', prefix: [], version: '1.29.2' },
		project: { name: 'shop', workingDir: '/srv/my shop', files: ['/srv/my shop/compose.yml'] },
	} as unknown as ComposeRecord;

	it('quote paths and unset the shell variables the env file must win over', () => {
		expect(handCommand(record, { kind: 'compose-up', service: 'web' }, { TAG: '1.6.0' })).toBe(
			"env -u TAG docker-compose -p shop --project-directory '/srv/my shop' -f '/srv/my shop/compose.yml' up -d --no-deps --no-build web",
		);
		const copies = JSON.stringify([{ path: '/srv/my shop/compose.yml', copy: '/b/1-compose.yml', sha256Before: 'a', sha256After: 'b' }]);
		expect(handCommand(record, { kind: 'restore-files', copies }, {})).toBe("cp /b/1-compose.yml '/srv/my shop/compose.yml'");
	});
});

describe('compose labels', () => {
	it('finds relative -f files from where up ran (v1 records them as typed)', async () => {
		const { invokedFrom } = await import('../../source/targets/compose/labels.js');
		expect(invokedFrom('/tmp/x/sub', 'sub/compose.yml')).toBe('/tmp/x');
		expect(invokedFrom('/tmp/x/a/b', 'a/b/compose.yml')).toBe('/tmp/x');
		expect(invokedFrom('/srv/shop', 'compose.yml')).toBe('/srv/shop');
		expect(invokedFrom('/srv/shop', '/srv/shop/compose.yml')).toBe('/srv/shop');
		expect(invokedFrom('/srv/other', 'sub/compose.yml')).toBe('/srv/other');
	});
});

describe('Compose v1 on a new engine', () => {
	it('is held to API 1.44 from API 1.45 on (no image ContainerConfig there)', async () => {
		const { apiPinFor } = await import('../../source/targets/compose/cli.js');
		const v1 = { flavor: 'v1' as const, file: 'docker-compose', prefix: [], version: '1.29.2' };
		expect(apiPinFor(v1, '1.41')).toBeUndefined();
		expect(apiPinFor(v1, '1.44')).toBeUndefined();
		expect(apiPinFor(v1, '1.45')).toBe('1.44');
		expect(apiPinFor(v1, '1.47')).toBe('1.44');
		expect(apiPinFor({ ...v1, flavor: 'v2', file: 'docker', prefix: ['compose'], version: '2.29.1' }, '1.47')).toBeUndefined();
	});
});

describe('env file secrets', () => {
	it('are the values of secret-looking names, for the redactor', async () => {
		const { secretValues } = await import('../../source/targets/compose/edit.js');
		const text = 'APP_TAG=1.6.0\nPOSTGRES_PASSWORD=s3cr3t-pw\nAPI_TOKEN="tok en"\nBARE_SECRET\nLOG_LEVEL=debug\n';
		expect(secretValues({ path: '/p/.env', text })).toEqual(['s3cr3t-pw', 'tok en']);
		expect(secretValues({ path: '/p/.env' })).toEqual([]);
	});
});
