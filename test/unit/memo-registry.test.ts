import { describe, expect, it } from 'vitest';
import { memoRegistry, type RegistryReads } from '../../source/registry/memo-registry.js';

/** Counts what reaches "the registry"; `fail` names the references it refuses. */
function countingClient(fail: string[] = []) {
	const asked: string[] = [];
	const client = {
		listTags: async (repo: unknown) => {
			asked.push(`tags ${String(repo)}`);
			if (fail.includes(String(repo))) throw new Error(`cannot list ${String(repo)}`);
			return ['1.0.0', '1.0.1'];
		},
		getManifest: async (ref: unknown) => {
			asked.push(`manifest ${String(ref)}`);
			return { digest: `sha256:${String(ref).length}` };
		},
		getImageConfig: async (ref: unknown) => {
			asked.push(`config ${String(ref)}`);
			return { labels: { ref: String(ref) }, env: [] };
		},
	} as unknown as RegistryReads;
	return { client, asked };
}

describe('memoRegistry', () => {
	it('asks each tag list, manifest and config once for 300 containers of one repository', async () => {
		const { client, asked } = countingClient();
		const memo = memoRegistry(client);
		for (let i = 0; i < 300; i++) {
			await memo.listTags('r/app');
			await memo.getManifest('r/app:1.0.0');
			await memo.getImageConfig('r/app:1.0.1');
		}
		expect(asked).toEqual(['tags r/app', 'manifest r/app:1.0.0', 'config r/app:1.0.1']);
	});

	it('keeps different references apart', async () => {
		const { client, asked } = countingClient();
		const memo = memoRegistry(client);
		const [a, b] = await Promise.all([memo.getImageConfig('r/app:1.0.0'), memo.getImageConfig('r/app:1.0.1')]);
		expect(a.labels.ref).toBe('r/app:1.0.0');
		expect(b.labels.ref).toBe('r/app:1.0.1');
		await memo.getManifest('r/app:1.0.0', { os: 'linux', architecture: 'arm64' });
		await memo.getManifest('r/app:1.0.0', { os: 'linux', architecture: 'amd64' });
		expect(asked.filter((entry) => entry.startsWith('manifest'))).toHaveLength(2);
	});

	it('gives every asker the same failure, asked once', async () => {
		const { client, asked } = countingClient(['r/gone']);
		const memo = memoRegistry(client);
		await expect(memo.listTags('r/gone')).rejects.toThrow('cannot list r/gone');
		await expect(memo.listTags('r/gone')).rejects.toThrow('cannot list r/gone');
		expect(asked).toEqual(['tags r/gone']);
	});
});
