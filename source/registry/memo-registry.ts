import type { ImageReference } from './reference.js';
import type { Platform } from './platform.js';
import type { RegistryClient } from './client.js';

// What the planner reads from a registry, each answer asked once per plan.
// 300 containers of one repository ask the same tag list, the same manifests
// (a floating tag matched by digest) and the same image configs (release
// labels of the hops): one request each, shared by every container, a failure
// included (the same lookup a moment later would most likely fail the same
// way, and the plan's words stay those of the first failure). Made for one
// plan and dropped with it: a later plan sees a new tag.

export type RegistryReads = Pick<RegistryClient, 'listTags' | 'getManifest' | 'getImageConfig'>;

export function memoRegistry(client: RegistryReads): RegistryReads {
	const answers = new Map<string, Promise<unknown>>();
	const once = <T>(key: unknown[], ask: () => Promise<T>): Promise<T> => {
		const id = JSON.stringify(key);
		let found = answers.get(id) as Promise<T> | undefined;
		if (!found) {
			found = ask();
			// A rejection nobody awaits yet is no crash: each asker gets it when it asks.
			found.catch(() => undefined);
			answers.set(id, found);
		}
		return found;
	};
	const refKey = (ref: string | ImageReference) => (typeof ref === 'string' ? ref : [ref.registry, ref.repository, ref.tag, ref.digest]);
	return {
		listTags: (repo: string | ImageReference, options?: { pageSize?: number }) => once(['tags', refKey(repo), options?.pageSize], () => client.listTags(repo, options)),
		getManifest: (ref: string | ImageReference, platform?: Platform) => once(['manifest', refKey(ref), platform], () => client.getManifest(ref, platform)),
		getImageConfig: (ref: string | ImageReference, platform?: Platform) => once(['config', refKey(ref), platform], () => client.getImageConfig(ref, platform)),
	};
}
