import type { ContainerInspectInfo, ImageInspectInfo } from 'dockerode';
import { UsageError } from '../core/errors.js';
import type { Plan, PlanOptions } from '../core/plan/plan.js';
import type { DatabaseOptions } from '../core/plan/database.js';
import type { Engine } from '../docker/engine.js';
import type { EngineLookups } from '../docker/engine-lookups.js';
import { registryAuthFor } from '../docker/registry-auth.js';
import { RegistryClient } from '../registry/client.js';
import { memoRegistry, type RegistryReads } from '../registry/memo-registry.js';
import type { Redactor } from '../text/redact.js';
import { SwarmServiceDriver } from '../targets/swarm/driver.js';
import { buildSwarmPlan, planSwarmService, preflightService } from '../targets/swarm/plan.js';
import { serviceOfTask, type SelectedService } from '../targets/swarm/select.js';
import type { SwarmServiceUnit } from '../targets/swarm/unit.js';
import type { ResolvedPath } from './upgrade-path.js';
import type { EngineSelection } from './engine-cluster.js';

// Swarm services in a run: the services a selection names (--service, or
// the task containers it picked), what a service's update cannot do, and the
// driver wired to the manager.

/** A run's services: --service as resolved, else each selected task's service, once. */
async function servicesOf(lookups: EngineLookups, group: EngineSelection): Promise<SelectedService[]> {
	if (group.services) return group.services;
	const out: SelectedService[] = [];
	for (const name of group.names) {
		const service = serviceOfTask((await lookups.container(name))?.Config.Labels);
		if (service && !out.some((each) => each.id === service.id)) out.push(service);
	}
	return out;
}

/** Options that stop or run things by hand next to the engine's update. */
function refuseOptions(options: PlanOptions & DatabaseOptions): void {
	const refused = [
		options.offlineBackup && '--offline-backup (a service is never stopped by hand: its tasks are replaced while the others serve)',
		options.stopAllFirst && '--stop-all-first (the engine replaces the tasks one at a time)',
		options.migrateFirst && '--migrate-first (a one-off beside the engine\'s update is not supported yet; the new tasks migrate as they start)',
		options.composeDown && '--compose-down (a Compose option)',
	].filter(Boolean);
	if (refused.length > 0) throw new UsageError(`a Swarm service's upgrade does not take ${refused.join(', ')}`);
}

export async function planSwarm(
	engine: Engine,
	lookups: EngineLookups,
	group: EngineSelection,
	options: PlanOptions & DatabaseOptions,
	context: { registry: RegistryReads; resolvePath: (info: ContainerInspectInfo, oldImage: ImageInspectInfo) => Promise<ResolvedPath> },
): Promise<Plan<SwarmServiceUnit>> {
	refuseOptions(options);
	const services = await servicesOf(lookups, group);
	return buildSwarmPlan(engine.docker, services, options, { engine, profiles: options.profiles, ...context });
}

export function swarmDriver(engine: Engine, options: PlanOptions, redactor: Redactor, env: NodeJS.ProcessEnv): SwarmServiceDriver {
	return new SwarmServiceDriver({
		docker: engine.docker,
		authFor: (ref) => registryAuthFor(ref, env),
		replan: async (unit, targetRef) => {
			// The next hop starts from the spec the previous one left.
			const found = await preflightService(engine.docker, { id: unit.serviceId, name: unit.service });
			redactor.addEnv(found.info.Config.Env);
			return planSwarmService(found, targetRef, options, { engine, registry: memoRegistry(new RegistryClient({ env })), profiles: options.profiles });
		},
	});
}
