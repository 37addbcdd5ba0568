import type Docker from 'dockerode';
import { TransitionFailure, type Transition } from '../../core/ports.js';
import { containerState, removeContainer, stopContainer } from '../../docker/swap.js';
import { ONE_OFF_LABEL, describeOneOff, oneOffName, type OneOffCommand } from '../one-off-command.js';
import { composeEnv } from './cli.js';
import { LABEL } from './labels.js';
import { ComposeCommandError, isProgressLine, runCompose } from './run-compose.js';
import type { ComposeUnit } from './unit.js';

// --migrate-first for a Compose service: the profile's migration command run
// once, after the file names the new tag and the service stopped, before
// `up -d --no-deps SERVICE`, the way Compose's docs run a task:
// `compose run --rm --no-deps -T --name <container>-migrate SERVICE COMMAND`.
// Through Compose rather than the Engine API from the service's inspect
// because Compose builds the one-off from the files as they are now (the new
// tag, the env file, volumes, networks, the project's labels), exactly as the
// service's next `up` will, without the wizard re-deriving a configuration
// behind Compose's back; `run` publishes no ports (no --service-ports), gives
// it none of the service's network aliases (no --use-aliases) and ignores
// its restart policy. The fixed name and the wizard's label let an undo find
// it again when Compose did not get to remove it (a crash, a timeout).

const TAIL_LINES = 15;
/** How long a removal someone else started (an orphaned `compose run --rm`) is waited for. */
const GONE_MS = 30_000;
const GONE_POLL_MS = 250;

/** Removes the unit's one-off, found by name and the wizard's label (never a container of the service): idempotent. */
export interface RemoveOneOffUndo {
	kind: 'remove-one-off';
	name: string;
	/** The label's value: the unit's container name. */
	owner: string;
	project: string;
	[field: string]: string;
}

export function oneOffUndo(unit: Pick<ComposeUnit, 'name' | 'project'>): RemoveOneOffUndo {
	return { kind: 'remove-one-off', name: oneOffName(unit), owner: unit.name, project: unit.project.name };
}

/** Stop and remove the one-off if it is still there; says whether there was one. */
export async function removeOneOff(docker: Docker, undo: Pick<RemoveOneOffUndo, 'name' | 'owner' | 'project'>): Promise<boolean> {
	const rows = await docker.listContainers({
		all: true,
		filters: { name: [`^/${undo.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`], label: [`${ONE_OFF_LABEL}=${undo.owner}`, `${LABEL.project}=${undo.project}`, `${LABEL.oneoff}=True`] },
	});
	for (const row of rows) {
		await stopContainer(docker, row.Id, 5).catch(() => undefined);
		try {
			await removeContainer(docker, row.Id, { force: true });
		} catch (error) {
			// A `compose run --rm` orphaned by a crash may be removing it right now (409 "already in progress").
			if (!(await goneWithin(docker, row.Id, GONE_MS))) throw error;
		}
	}
	return rows.length > 0;
}

async function goneWithin(docker: Docker, id: string, ms: number): Promise<boolean> {
	const deadline = Date.now() + ms;
	while (Date.now() < deadline) {
		if (!(await containerState(docker, id).catch(() => 'unknown' as const))) return true;
		await new Promise((resolve) => setTimeout(resolve, GONE_POLL_MS));
	}
	return false;
}

/** The journaled step: `compose run` streamed as log events, gated on its exit code, bounded by the unit's health timeout. */
export function composeOneOffTransition(docker: Docker, unit: ComposeUnit, run: OneOffCommand, env: NodeJS.ProcessEnv): Transition {
	const undo = oneOffUndo(unit);
	// --compose-down stopped the whole project: Compose starts what the service depends on (a database service), as `up` would.
	const noDeps = !unit.composeDown;
	return {
		kind: 'migrate-first',
		step: 'migrate',
		intent: `compose run --rm${noDeps ? ' --no-deps' : ''} ${unit.service} as ${undo.name} (${unit.targetRef}): ${describeOneOff(run)}`,
		undo,
		// The new version's code touches the database from here on: a failure restores it.
		startsTarget: true,
		run: async (ctx) => {
			const started = Date.now();
			const tail: string[] = [];
			const onLine = (line: string) => {
				if (isProgressLine(line)) return;
				tail.push(line);
				if (tail.length > TAIL_LINES) tail.shift();
				ctx.emit({ type: 'log', container: unit.name, source: 'one-off', line });
			};
			const command = { op: 'run' as const, service: unit.service, name: undo.name, labels: { [ONE_OFF_LABEL]: unit.name }, ...(run.entrypoint ? { entrypoint: run.entrypoint } : {}), command: run.command, noDeps };
			const timeoutMs = unit.health.timeoutMs;
			try {
				await runCompose(unit.cli, unit.project, command, { env: composeEnv(env, unit.strip), signal: ctx.signal, timeoutMs, onLine });
			} catch (error) {
				if (!(error instanceof ComposeCommandError)) throw error;
				const why =
					error.failure === 'timeout'
						? `did not finish within ${Math.round(timeoutMs / 1000)} s`
						: error.failure === 'aborted'
							? 'was aborted by the operator'
							: error.failure === 'spawn'
								? `could not be started: ${error.message}`
								: `(${describeOneOff(run)}) exited with code ${error.exitCode}`;
				throw new TransitionFailure('migrate', `the one-off migration ${why}`, tail.length > 0 ? ['output:', ...tail.map((line) => `  ${line}`)] : []);
			} finally {
				// --rm removes it when Compose sees it exit; after a timeout or an abort Compose was killed first.
				await removeOneOff(docker, undo).catch(() => undefined);
			}
			return `${undo.name} exited 0 after ${((Date.now() - started) / 1000).toFixed(1)} s`;
		},
	};
}
