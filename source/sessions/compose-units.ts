import type { PlanOptions } from '../core/plan/plan.js';
import type { Engine } from '../docker/engine.js';
import type { EngineLookups } from '../docker/engine-lookups.js';
import { registryAuthFor } from '../docker/registry-auth.js';
import { backupDirOf, stateDir } from '../core/journal/state-dir.js';
import { ComposeDriver } from '../targets/compose/driver.js';
import { findCompose, type ComposeCli } from '../targets/compose/cli.js';
import { isComposeManaged } from '../targets/compose/labels.js';
import { planService, preflightService } from '../targets/compose/plan.js';
import type { Redactor } from '../text/redact.js';
import { UsageError } from '../core/errors.js';
import { serviceOfTask } from '../targets/swarm/select.js';

// Which driver a selection needs, and the Compose driver wired to this
// engine. A run is plain containers or Compose services, not both: their
// rollbacks differ in kind and one plan should say one thing.

export async function selectionKind(engine: EngineLookups, names: string[]): Promise<'container' | 'compose' | 'swarm'> {
	const kinds = new Map<string, string[]>();
	engine.warm(names);
	for (const name of names) {
		const info = await engine.container(name);
		const kind = info && isComposeManaged(info.Config.Labels) ? 'compose' : info && serviceOfTask(info.Config.Labels) ? 'swarm' : 'container';
		kinds.set(kind, [...(kinds.get(kind) ?? []), name]);
	}
	if (kinds.size > 1) {
		const what = { compose: 'Compose services', swarm: 'Swarm tasks', container: 'plain containers' } as const;
		const parts = [...kinds.entries()].map(([kind, of]) => `${what[kind as keyof typeof what]} (${of.join(', ')})`);
		throw new UsageError(`the selection mixes ${parts.join(' and ')}; upgrade them in separate runs`);
	}
	return (kinds.keys().next().value as 'container' | 'compose' | 'swarm' | undefined) ?? 'container';
}

/** Compose is looked for once per process. */
export function composeFinder(env: NodeJS.ProcessEnv): () => Promise<ComposeCli | undefined> {
	let found: Promise<ComposeCli | undefined> | undefined;
	return () => (found ??= findCompose(env));
}

export function composeDriver(engine: Engine, options: PlanOptions & { backupDir?: string }, redactor: Redactor, env: NodeJS.ProcessEnv): ComposeDriver {
	return new ComposeDriver({
		docker: engine.docker,
		env,
		authFor: (ref) => registryAuthFor(ref, env),
		// The same dir as the database backup: a run's copies and dumps side by side.
		backupDir: backupDirOf(stateDir(env), options.backupDir),
		replan: async (unit, targetRef) => {
			const checked = await preflightService(engine.docker, unit.name);
			redactor.addEnv(checked.info.Config.Env);
			const next = await planService({ env, engine }, checked, unit.cli, targetRef, options, [unit.service, ...unit.cluster]);
			for (const secret of next.secrets) redactor.add(secret);
			return next;
		},
	});
}
