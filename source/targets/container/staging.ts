import type Docker from 'dockerode';
import type { RecreateSpec } from './recreate-spec.js';
import type { ContainerPlan } from './plan.js';
import type { Transition, Undo } from '../../core/ports.js';
import { createFromSpec, renameContainer } from '../../docker/swap.js';
import { shortId } from '../../text/format.js';

// The new container is created before the old one stops, under a staging
// name, and renamed to the old name once the old one is parked: the create
// (an image config read, a filesystem layer, the network attachments) then
// happens while the old version still serves, and a create the engine refuses
// fails with nothing stopped. What the engine allocates only at start (ports,
// IP addresses, DNS names) is unaffected: by then the old container is stopped.
//
// A container pinned to an address is created after the stop instead: a
// Docker 20.10 engine accepts a second container asking for the same static
// IP while the first holds it, but that is an engine's leniency, not a rule of
// the API, and guessing wrong would fail the swap after the stop.

/** The name the new container has between its create and the rename after the park. */
export function stagedNameOf(name: string): string {
	return `${name}-uw-new`;
}

/** Why this spec must be created after the stop, or undefined when it can be staged before it. */
export function lateCreateReason(spec: RecreateSpec): string | undefined {
	const create = spec.create as RecreateSpec['create'] & { MacAddress?: string };
	const endpoints = [
		...Object.entries(create.NetworkingConfig?.EndpointsConfig ?? {}).map(([network, endpoint]) => ({ network, endpoint })),
		...spec.connectBeforeStart,
	];
	for (const { network, endpoint } of endpoints) {
		const ipam = endpoint?.IPAMConfig;
		const address = ipam?.IPv4Address || ipam?.IPv6Address;
		if (address) return `it has the static address ${address} on ${network}`;
		if (endpoint?.MacAddress) return `it has the static MAC address ${endpoint.MacAddress} on ${network}`;
	}
	if (create.MacAddress) return `it has the static MAC address ${create.MacAddress}`;
	return undefined;
}

/** The spec as created under the staging name. */
export function stagedSpec(spec: RecreateSpec, stagedName: string): RecreateSpec {
	return { ...spec, create: { ...spec.create, name: stagedName } };
}

/** The create, under the staging name when staged; its undo names what the engine may hold before the journal learns the ID. */
export function createTransition(docker: Docker, unit: ContainerPlan, created: { id: string }): Transition {
	const as = unit.stagedName ?? unit.name;
	return {
		kind: 'create-new',
		step: 'create',
		intent: unit.stagedName
			? `create the new ${unit.name} as ${as} from ${unit.targetRef} with the old container's configuration, before the stop`
			: `create ${unit.name} from ${unit.targetRef} with the old container's configuration`,
		undo: { kind: 'remove-container', name: as, image: unit.targetRef, keep: unit.id },
		run: async (ctx) => {
			created.id = await createFromSpec(docker, unit.stagedName ? stagedSpec(unit.spec, unit.stagedName) : unit.spec);
			await ctx.record({ newId: created.id }, { containerId: created.id });
		},
	};
}

/** The staged container takes the old name once the old one is parked (part of the rename step). */
export function unstageTransition(docker: Docker, unit: ContainerPlan, staged: string, created: { id: string }): Transition {
	return {
		kind: 'rename-new',
		step: 'rename',
		get intent() {
			return `rename ${staged} (${shortId(created.id)}) to ${unit.name}`;
		},
		// Reported with the park: one rename step on screen.
		quiet: true,
		// Whatever its name, the new container goes: newest first, so the old name is free before the park is undone.
		get undo(): Undo {
			return { kind: 'remove-container', name: unit.name, image: unit.targetRef, keep: unit.id, containerId: created.id };
		},
		run: () => renameContainer(docker, created.id, unit.name),
	};
}
