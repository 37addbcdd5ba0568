import { access, constants, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type Docker from 'dockerode';
import type { ContainerInspectInfo, ImageInspectInfo } from 'dockerode';
import { UsageError, messageOf, refuseIf } from '../../core/errors.js';
import type { Plan, PlanOptions } from '../../core/plan/plan.js';
import type { PlanEngine } from '../../core/events.js';
import { inspectByName } from '../../docker/discovery.js';
import { profileFor } from '../../profiles/profile.js';
import { healthOptionsFor } from '../../core/plan/health.js';
import type { ResolvedPath } from '../../sessions/upgrade-path.js';
import { clusterPath } from '../cluster-path.js';
import { oneOffFor, oneOffName } from '../one-off-command.js';
import { apiPinFor, type ComposeCli, type ComposeProject } from './cli.js';
import { composeView } from './config-check.js';
import { serviceEdit } from './edit.js';
import { composeLabels, type ComposeLabels } from './labels.js';
import { serviceContainers } from './health.js';
import type { ComposeUnit, ServiceContainer } from './unit.js';

// Preflight and plan of Compose services, touching nothing: the project's
// files are where the labels say and writable, Compose is there, the tag is
// written somewhere the wizard can edit (a literal, or a variable the env file
// sets), and Compose, asked with the same files and project name, describes
// exactly what runs.


interface CheckedService {
	name: string;
	info: ContainerInspectInfo;
	oldImage: ImageInspectInfo;
	labels: ComposeLabels;
	containers: ServiceContainer[];
}

/** The running containers of one service (its replicas), the selected one first; a stopped replica is refused. */
async function replicasOf(docker: Docker, labels: ComposeLabels, selected: string): Promise<ServiceContainer[]> {
	const rows = await serviceContainers(docker, { project: labels.project, service: labels.service });
	const stopped = rows.filter((row) => !row.running).map((row) => row.name);
	refuseIf(stopped.length > 0, `service ${labels.service} of project ${labels.project.name} has stopped containers (${stopped.join(', ')}); start or remove them first: \`up\` would start them too`);
	const all = rows.map((row) => ({ id: row.id, name: row.name }));
	return [...all.filter((row) => row.name === selected), ...all.filter((row) => row.name !== selected)];
}

async function checkWritable(path: string, what: string): Promise<void> {
	let mode: number;
	try {
		mode = (await stat(path)).mode;
		await access(path, constants.R_OK | constants.W_OK);
	} catch (error) {
		throw new UsageError(`${what} ${path} cannot be read and written (${(error as NodeJS.ErrnoException).code ?? messageOf(error)}); the wizard edits it in place`);
	}
	// root may write anything: a file its owner made read-only is still not the wizard's to edit.
	refuseIf((mode & 0o222) === 0, `${what} ${path} is read-only (mode ${(mode & 0o777).toString(8)}); make it writable if the wizard may edit it`);
}

export async function preflightService(docker: Docker, name: string): Promise<CheckedService> {
	const found = await inspectByName(docker, name);
	refuseIf(!found, `no container named ${name} on this engine`);
	const info = found!;
	refuseIf(!info.State.Running, `container ${name} is not running (${info.State.Status}); start it or leave it out`);
	const labels = composeLabels(info);
	if ('problem' in labels) throw new UsageError(`container ${name} is managed by Docker Compose, but ${labels.problem}`);
	refuseIf(labels.oneoff, `container ${name} is a one-off \`compose run\` container; upgrade the service ${labels.service} itself`);
	refuseIf(info.HostConfig?.AutoRemove, `container ${name} runs with --rm (AutoRemove); the wizard upgrades the services \`up\` started`);
	try {
		await access(labels.project.workingDir, constants.R_OK | constants.X_OK);
	} catch {
		throw new UsageError(`project ${labels.project.name}'s working dir ${labels.project.workingDir} (from ${name}'s labels) is not there or not readable; run the wizard where the project's files are`);
	}
	for (const file of labels.project.files) await checkWritable(file, 'the compose file');
	const oldImage = await docker.getImage(info.Image).inspect();
	return { name, info, oldImage, labels, containers: await replicasOf(docker, labels, name) };
}

export interface ComposePlanContext {
	docker: Docker;
	engine: PlanEngine;
	env: NodeJS.ProcessEnv;
	findCli: () => Promise<ComposeCli | undefined>;
	resolvePath: (info: ContainerInspectInfo, oldImage: ImageInspectInfo) => Promise<ResolvedPath>;
}

/** The unit of one checked service onto `targetRef`, with its edit computed from the files as they are. */
export async function planService(
	context: Pick<ComposePlanContext, 'env'> & { engine: { name: string } },
	checked: CheckedService,
	cli: ComposeCli,
	targetRef: string,
	options: PlanOptions,
	cluster: string[],
): Promise<ComposeUnit> {
	const { info, labels } = checked;
	const { project, service } = labels;
	const tag = targetRef.slice(targetRef.lastIndexOf(':') + 1);
	const edit = await serviceEdit(project, service, tag);
	const others = (edit.located.shared?.places ?? []).filter((place) => !place.path.startsWith(`services.${service}.`));
	const outside = others.filter((place) => !cluster.some((member) => place.path.startsWith(`services.${member}.`)));
	refuseIf(
		outside.length > 0,
		`the tag of ${service} is shared (${edit.located.shared?.via} ${edit.located.shared?.name}) with ${outside.map((place) => `${place.path} in ${place.file}`).join(', ')}: the edit would change ${outside.length === 1 ? 'it' : 'them'} too; select those services as well, or give ${service} a tag of its own`,
	);
	for (const change of edit.edits) {
		if (change.before !== undefined) await checkWritable(change.path, 'the file');
		else await checkWritable(dirname(change.path), 'the directory of');
	}
	await agreeWithRunning({ ...checked, project }, cli, edit.strip, context.env);
	const ownStopTimeout = (info.Config as { StopTimeout?: number }).StopTimeout;
	const profile = profileFor(info, checked.oldImage, options.profiles);
	const migrateFirst = oneOffFor(checked.name, profile, options);
	return {
		kind: 'compose',
		key: `${checked.name}@${tag}`,
		name: checked.name,
		engine: context.engine.name,
		from: info.Config.Image,
		to: targetRef,
		targetRef,
		project,
		service,
		cli,
		containers: checked.containers,
		inspect: info,
		oldImage: checked.oldImage,
		oldImageId: info.Image,
		profile,
		stopTimeoutS: options.stopTimeoutS ?? ownStopTimeout ?? 10,
		strip: edit.strip,
		secrets: edit.secrets,
		edits: edit.edits,
		cluster: cluster.filter((member) => member !== service),
		composeDown: options.composeDown ?? false,
		health: healthOptionsFor(profile, options),
		...(migrateFirst ? { migrateFirst } : {}),
	};
}

/** Compose, with the same files, project name and env, must describe the image (and configuration) that runs. */
async function agreeWithRunning(checked: CheckedService & { project: ComposeProject }, cli: ComposeCli, strip: string[], env: NodeJS.ProcessEnv): Promise<void> {
	const { info, labels, project } = checked;
	const service = labels.service;
	let view;
	try {
		view = await composeView({ cli, project, strip, env });
	} catch (error) {
		throw new UsageError(`Compose cannot read project ${project.name} (${project.files.join(', ')}): ${messageOf(error)}`);
	}
	const image = view.images.get(service);
	refuseIf(
		image !== info.Config.Image,
		`the compose file no longer describes what runs: for service ${service} it says ${image ?? 'no image'}, ${checked.name} runs ${info.Config.Image}; bring them back in line (or \`up -d\` the change) before upgrading`,
	);
	// The hash Compose computes differs between its major versions: compare only like with like.
	const sameMajor = labels.version?.split('.')[0] === cli.version.split('.')[0];
	const hash = view.hashes.get(service);
	refuseIf(
		sameMajor && labels.configHash !== undefined && hash !== labels.configHash,
		`the compose file describes a different configuration for ${service} than the one ${checked.name} runs (its config hash differs), so \`up\` would change more than the tag; \`up -d ${service}\` that change first or undo it`,
	);
}

export async function buildComposePlan(context: ComposePlanContext, names: string[], options: PlanOptions): Promise<Plan<ComposeUnit>> {
	const found = await context.findCli();
	const pin = found && apiPinFor(found, context.engine.apiVersion);
	const cli = found && (pin ? { ...found, pinApiVersion: pin } : found);
	refuseIf(!cli, `${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} managed by Docker Compose, and neither \`docker compose\` nor \`docker-compose\` is installed here`);
	const checked: CheckedService[] = [];
	for (const name of names) {
		const service = await preflightService(context.docker, name);
		// Two replicas selected: one unit, the service, which `up` recreates whole.
		const same = checked.find((other) => other.labels.project.name === service.labels.project.name && other.labels.service === service.labels.service);
		if (!same) checked.push(service);
	}
	const projects = [...new Set(checked.map((service) => service.labels.project.name))];
	refuseIf(projects.length > 1, `the selected containers belong to different Compose projects (${projects.join(', ')}); upgrade one project at a time`);
	// Stopping the whole project per service would stop the services already upgraded.
	refuseIf(options.composeDown && checked.length > 1, `--compose-down takes one service at a time (selected: ${checked.map((service) => service.labels.service).join(', ')})`);
	const path = await clusterPath(checked, context.resolvePath);
	const firstRef = `${path.repository}:${path.hops[0]!.tag}`;
	const cluster = checked.map((service) => service.labels.service);
	const units: ComposeUnit[] = [];
	for (const service of checked) units.push(await planService(context, service, cli!, firstRef, options, cluster));
	for (const unit of units.filter((each) => each.migrateFirst)) {
		// The undo removes the one-off by this name: someone else's container under it must not be mistaken for ours.
		const taken = await inspectByName(context.docker, oneOffName(unit));
		refuseIf(Boolean(taken), `--migrate-first: a container named ${oneOffName(unit)} already exists; the one-off of ${unit.service} needs that name: remove it or rename it first`);
	}
	return { units, path, hops: path.hops.map((hop) => hop.tag), keepOld: options.keepOld, options, engine: { name: context.engine.name, endpoint: context.engine.endpoint, apiVersion: context.engine.apiVersion } };
}
