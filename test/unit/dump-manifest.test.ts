import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkDumpDirectory, hashDumpDirectory, manifestText, parseManifest, sha256Text } from '../../source/postgres/dump-manifest.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
let root: string;
let dir: string;

async function seal(): Promise<{ manifestPath: string; sha256: string }> {
	const text = manifestText('x.dir', await hashDumpDirectory(dir));
	const manifestPath = `${dir}.sha256`;
	await writeFile(manifestPath, text);
	return { manifestPath, sha256: sha256Text(text) };
}

beforeEach(async () => {
	root = await mkdtemp(join(tmpdir(), 'uw-manifest-'));
	dir = join(root, 'x.dir');
	await mkdir(dir);
	await writeFile(join(dir, 'toc.dat'), 'toc');
	await writeFile(join(dir, '3001.dat.gz'), 'rows of b');
	await writeFile(join(dir, '3000.dat.gz'), 'rows of a');
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe('the manifest of a directory dump', () => {
	it('is one sha256sum line per file, sorted by name, whatever order the files were hashed in', async () => {
		const text = manifestText('x.dir', await hashDumpDirectory(dir, 3));
		expect(text).toBe(`${sha('rows of a')}  x.dir/3000.dat.gz\n${sha('rows of b')}  x.dir/3001.dat.gz\n${sha('toc')}  x.dir/toc.dat\n`);
		expect(manifestText('x.dir', [{ name: 'b', sha256: '1'.repeat(64), bytes: 1 }, { name: 'a', sha256: '2'.repeat(64), bytes: 1 }])).toMatch(/^2+ {2}x\.dir\/a\n1+ {2}x\.dir\/b\n$/);
		expect((await hashDumpDirectory(dir)).reduce((sum, e) => sum + e.bytes, 0)).toBe(3 + 9 + 9);
	});

	it('passes the dump as written', async () => {
		const { manifestPath, sha256 } = await seal();
		expect(await checkDumpDirectory(dir, manifestPath, sha256)).toEqual([]);
	});

	it('names every file changed, added or removed', async () => {
		const { manifestPath, sha256 } = await seal();
		await writeFile(join(dir, '3000.dat.gz'), 'rows of A');
		await writeFile(join(dir, 'extra.dat'), '');
		await rm(join(dir, 'toc.dat'));
		expect(await checkDumpDirectory(dir, manifestPath, sha256)).toEqual(['3000.dat.gz does not match its sha256', 'extra.dat is not in the manifest', 'toc.dat is missing']);
	});

	it('refuses a manifest that is not the one recorded, or not a manifest of this directory', async () => {
		const { manifestPath, sha256 } = await seal();
		expect(await checkDumpDirectory(dir, manifestPath, '0'.repeat(64))).toEqual([`the manifest ${manifestPath} does not match its recorded sha256`]);
		await writeFile(manifestPath, 'garbage\n');
		expect(await checkDumpDirectory(dir, manifestPath, sha256Text('garbage\n'))).toEqual([`the manifest ${manifestPath} is not a list of the dump's files`]);
		expect(parseManifest(`${'a'.repeat(64)}  other.dir/toc.dat\n`, 'x.dir')).toBeUndefined();
		expect(parseManifest(`${'a'.repeat(64)}  x.dir/../toc.dat\n`, 'x.dir')).toBeUndefined();
		expect(parseManifest(`${'a'.repeat(64)}  x.dir/t\n${'b'.repeat(64)}  x.dir/t\n`, 'x.dir')).toBeUndefined();
	});

	it('refuses a subdirectory: pg_dump writes none', async () => {
		await mkdir(join(dir, 'sub'));
		await expect(hashDumpDirectory(dir)).rejects.toThrow(/is not a regular file/);
	});

	it('a missing manifest is an error that says which', async () => {
		await expect(checkDumpDirectory(dir, join(root, 'none.sha256'), sha('x'))).rejects.toThrow(/cannot read the manifest .*none\.sha256 \(ENOENT\)/);
	});
});
