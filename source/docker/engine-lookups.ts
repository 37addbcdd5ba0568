import type Docker from 'dockerode';
import type { ContainerInfo, ContainerInspectInfo, ImageInspectInfo } from 'dockerode';
import pLimit, { type LimitFunction } from 'p-limit';
import { containerName, inspectByName } from './discovery.js';

// What one plan asks the engine, asked once. Planning 300 containers used to
// inspect each one, its image and every other container (for dependents) one
// call after the other: 90,000 inspects. Here the list is taken once, each
// container and each distinct image is inspected once, at most `concurrency`
// calls in flight (the engine and a 2-core machine gain little past that, and
// a remote engine over ssh should not see hundreds of requests at once).
// A lookups object lives for one plan: what it answered is what the engine
// said when the plan was made, never reused for a later one.

export const INSPECT_CONCURRENCY = 12;

const notFound = (error: unknown) => (error as { statusCode?: number }).statusCode === 404;

export class EngineLookups {
	private readonly limit: LimitFunction;
	private listing?: Promise<ContainerInfo[]>;
	private readonly byId = new Map<string, Promise<ContainerInspectInfo | undefined>>();
	private readonly byName = new Map<string, Promise<ContainerInspectInfo | undefined>>();
	private readonly images = new Map<string, Promise<ImageInspectInfo>>();
	private readonly refs = new Map<string, Promise<boolean>>();
	private dependents?: ReturnType<EngineLookups['indexDependents']>;
	private names?: Set<string>;

	constructor(
		readonly docker: Docker,
		concurrency = INSPECT_CONCURRENCY,
	) {
		this.limit = pLimit(concurrency);
	}

	/** Every container on the engine (`docker ps -a`), listed once. */
	containers(): Promise<ContainerInfo[]> {
		this.listing ??= this.docker.listContainers({ all: true });
		return this.listing;
	}

	/** A container's inspect by its ID; undefined when it is gone (404), any other error as the engine said it. */
	inspectId(id: string): Promise<ContainerInspectInfo | undefined> {
		return memo(this.byId, id, () =>
			this.limit(() =>
				this.docker
					.getContainer(id)
					.inspect()
					.catch((error: unknown) => {
						if (notFound(error)) return undefined;
						throw error;
					}),
			),
		);
	}

	/** inspectByName, answered from the ID's inspect when the listing names the container. */
	container(name: string): Promise<ContainerInspectInfo | undefined> {
		return memo(this.byName, name, async () => {
			const row = (await this.containers()).find((entry) => entry.Names?.includes(`/${name}`));
			const info = row ? await this.inspectId(row.Id) : undefined;
			if (info && containerName(info) === name) return info;
			// Not in the listing (an ID prefix, or created since): the engine resolves it, as before.
			return this.limit(() => inspectByName(this.docker, name));
		});
	}

	/** Start inspecting these containers now (bounded); their answers are awaited later, in order. */
	warm(names: string[]): void {
		for (const name of names) void this.container(name).catch(() => undefined);
	}

	/** An image's inspect, once per image ID however many containers run it. */
	image(id: string): Promise<ImageInspectInfo> {
		return memo(this.images, id, () => this.limit(() => this.docker.getImage(id).inspect()));
	}

	/** Whether the engine has an image under this reference (a tag, an ID). */
	imageExists(ref: string): Promise<boolean> {
		return memo(this.refs, ref, () =>
			this.limit(() =>
				this.docker
					.getImage(ref)
					.inspect()
					.then(
						() => true,
						() => false,
					),
			),
		);
	}

	/**
	 * Whether a container has this name (or ID prefix), as the listing says: the
	 * parked `<name>-old` check, asked for every selected container, costs no
	 * round trip each. One made after the listing is still refused at run time:
	 * the engine will not rename onto a name that is taken.
	 */
	async hasContainer(name: string): Promise<boolean> {
		const rows = await this.containers();
		this.names ??= new Set(rows.flatMap((row) => row.Names ?? []));
		return this.names.has(`/${name}`) || rows.some((row) => row.Id.startsWith(name));
	}

	/**
	 * Containers whose network namespace or links point at `target`, in listing
	 * order. Every container is inspected once for the whole plan (only the
	 * inspect has the links), not once per selected container.
	 */
	async dependentsOf(target: ContainerInspectInfo): Promise<string[]> {
		this.dependents ??= this.indexDependents();
		const { rows, byNamespace, byLink } = await this.dependents;
		const name = containerName(target);
		const found = new Set([...(byNamespace.get(target.Id) ?? []), ...(byNamespace.get(name) ?? []), ...(byLink.get(name) ?? [])]);
		return [...found]
			.sort((a, b) => a - b)
			.filter((index) => rows[index]!.Id !== target.Id)
			.map((index) => containerName(rows[index]!));
	}

	/** Who points at whom, by row index: `container:<id or name>` network modes, and links (`/<target>:/<linker>/<alias>`). */
	private async indexDependents() {
		const rows = await this.containers();
		const infos = await Promise.all(rows.map((row) => this.inspectId(row.Id).catch(() => undefined)));
		const byNamespace = new Map<string, number[]>();
		const byLink = new Map<string, number[]>();
		const add = (map: Map<string, number[]>, key: string, index: number) => map.set(key, [...(map.get(key) ?? []), index]);
		rows.forEach((row, index) => {
			const mode = row.HostConfig?.NetworkMode ?? '';
			if (mode.startsWith('container:')) add(byNamespace, mode.slice('container:'.length), index);
			for (const link of infos[index]?.HostConfig.Links ?? []) {
				const colon = link.indexOf(':');
				if (link.startsWith('/') && colon > 1) add(byLink, link.slice(1, colon), index);
			}
		});
		return { rows, byNamespace, byLink };
	}
}

/** One promise per key: concurrent askers share the call, and a failure is the same failure for each. */
function memo<T>(cache: Map<string, Promise<T>>, key: string, ask: () => Promise<T>): Promise<T> {
	let found = cache.get(key);
	if (!found) {
		found = ask();
		cache.set(key, found);
	}
	return found;
}
