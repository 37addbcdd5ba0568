import type Docker from 'dockerode';
import { TransitionFailure, type TransitionContext } from '../../core/ports.js';
import { healthGate } from '../container/health-gate.js';
import { LABEL } from './labels.js';
import type { ComposeRecord, ComposeUnit, ServiceContainer } from './unit.js';
import { containerName, repositoryOf, tagOf } from '../../docker/discovery.js';
import { composeView, type ComposeRun } from './config-check.js';

// After `up`: the service's containers are the new ones, each health-gated as
// a plain container is (its healthcheck, else the URL / stability rules), and
// Compose agrees they are what the files describe, so the next `up -d`
// recreates nothing.

export interface ServiceContainerNow extends ServiceContainer {
	image: string;
	imageId: string;
	running: boolean;
	configHash?: string;
}

export async function serviceContainers(docker: Docker, record: Pick<ComposeRecord, 'project' | 'service'>): Promise<ServiceContainerNow[]> {
	const rows = await docker.listContainers({
		all: true,
		filters: { label: [`${LABEL.project}=${record.project.name}`, `${LABEL.service}=${record.service}`, `${LABEL.oneoff}=False`] },
	});
	return rows
		.map((row) => ({
			id: row.Id,
			name: containerName(row),
			image: row.Image,
			imageId: row.ImageID,
			running: row.State === 'running',
			configHash: row.Labels?.[LABEL.configHash],
		}))
		.sort((a, b) => a.name.localeCompare(b.name));
}

/** The containers the next `up -d` would recreate: their config hash is not the one the files give now. */
export async function notMatchingFiles(run: ComposeRun, service: string, containers: ServiceContainerNow[]): Promise<ServiceContainerNow[]> {
	const hash = (await composeView(run)).hashes.get(service);
	return containers.filter((container) => container.configHash !== hash);
}

/** Every container of the service after `up` runs the target, passes its gate, and matches Compose's config hash. */
export async function gateService(docker: Docker, unit: ComposeUnit, env: NodeJS.ProcessEnv, ctx: TransitionContext): Promise<{ detail: string; containers: ServiceContainer[] }> {
	const now = await serviceContainers(docker, unit);
	if (now.length === 0) throw new TransitionFailure('health', `Compose left no container for service ${unit.service}`);
	// Compose names the image as the file writes it, which may spell the repository differently.
	const tag = tagOf(unit.targetRef);
	const stale = now.filter((container) => repositoryOf(container.image) !== repositoryOf(unit.from) || tagOf(container.image) !== tag);
	if (stale.length > 0) throw new TransitionFailure('health', `after up, ${stale.map((c) => `${c.name} runs ${c.image}`).join(', ')}, not ${unit.targetRef}`);
	const details: string[] = [];
	for (const container of now) details.push(await healthGate(docker, { name: unit.name, health: unit.health }, container.id, ctx, now.length > 1 ? container.name : undefined));
	const off = await notMatchingFiles({ cli: unit.cli, project: unit.project, strip: unit.strip, env, signal: ctx.signal }, unit.service, now);
	if (off.length > 0) {
		throw new TransitionFailure('health', `Compose's config hash for ${unit.service} does not match ${off.map((c) => c.name).join(', ')}: the next \`up -d\` would recreate ${off.length === 1 ? 'it' : 'them'}`);
	}
	await ctx.record({ newIds: now.map((container) => container.id).join(',') });
	return {
		detail: `${now.map((container) => container.name).join(', ')}: ${[...new Set(details)].join('; ')}`,
		containers: now.map((container) => ({ id: container.id, name: container.name })),
	};
}

/**
 * Compose v1, when a recreate fails half-way, leaves the old container
 * stopped and renamed `<id12>_<name>`; the `up` of a rollback starts it again
 * under that name. Give it its own name back, as an operator would expect.
 */
export async function restoreNames(docker: Docker, record: Pick<ComposeRecord, 'project' | 'service'>): Promise<void> {
	const now = await serviceContainers(docker, record);
	for (const container of now) {
		const plain = /^[0-9a-f]{12}_(.+)$/.exec(container.name)?.[1];
		if (!plain || now.some((other) => other.name === plain)) continue;
		await docker.getContainer(container.id).rename({ name: plain });
	}
}
