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
	private dependents?: Promise<Array<{ row: ContainerInfo; info?: ContainerInspectInfo }>>;

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
		return (await this.containers()).some((row) => row.Names?.includes(`/${name}`) || row.Id.startsWith(name));
	}

	/**
	 * Containers whose network namespace or links point at `target`. Every other
	 * container is inspected once for the whole plan (only the inspect has the
	 * links), not once per selected container.
	 */
	async dependentsOf(target: ContainerInspectInfo): Promise<string[]> {
		const name = containerName(target);
		this.dependents ??= this.containers().then((rows) =>
			Promise.all(
				rows.map(async (row) => ({ row, info: await this.inspectId(row.Id).catch(() => undefined) })),
			),
		);
		const dependents: string[] = [];
		for (const { row, info } of await this.dependents) {
			if (row.Id === target.Id) continue;
			const mode = row.HostConfig?.NetworkMode ?? '';
			if (mode === `container:${target.Id}` || mode === `container:${name}`) {
				dependents.push(containerName(row));
				continue;
			}
			const links = info?.HostConfig.Links ?? [];
			if (links.some((link: string) => link.startsWith(`/${name}:`))) dependents.push(containerName(row));
		}
		return dependents;
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
