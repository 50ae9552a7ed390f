import {round} from './utilities.ts';
import type {Metrics, Scenario} from './types.ts';

/** Most a timer may fire late, beside a busy task, for "no starvation". */
const MAX_LATENESS_MS = 5;

const numberField = (metrics: Metrics, field: string): number | null => {
  const value = metrics[field];

  return typeof value === 'number' ? value : null;
};

/** project / peer, or null when either side has no figure. */
const ratio = (project: Metrics, peer: Metrics, field: string): number | null => {
  const ours = numberField(project, field);
  const theirs = numberField(peer, field);

  return ours === null || theirs === null || theirs === 0 ? null : round(ours / theirs, 3);
};

const atMost = (value: number | null, limit: number): boolean => {
  return value !== null && value <= limit;
};

/** The ratio line of a scenario: the project's figures over the peer's, and whether the target is met. */
export const compareSystems = (scenario: Scenario, project: Metrics, peer: Metrics): Metrics => {
  if (scenario.kind === 'dispatch') {
    const eventsPerSecond = ratio(project, peer, 'eventsPerSecond');

    return {eventsPerSecond, meetsTarget: eventsPerSecond !== null && eventsPerSecond >= 1, target: 'eventsPerSecond >= 1'};
  }

  if (scenario.kind === 'idle') {
    const cpuPercent = ratio(project, peer, 'cpuPercent');
    const rssMB = ratio(project, peer, 'rssMB');

    return {
      cpuPercent,
      meetsTarget: atMost(cpuPercent, 1) && atMost(rssMB, 0.5),
      peakRssMB: ratio(project, peer, 'peakRssMB'),
      rssAboveBaselineMB: ratio(project, peer, 'rssAboveBaselineMB'),
      rssMB,
      target: 'cpuPercent <= 1, rssMB <= 0.5',
    };
  }

  const projectLateMs = numberField(project, 'lateMs');

  return {
    meetsTarget: atMost(projectLateMs, MAX_LATENESS_MS),
    peerLateMs: numberField(peer, 'lateMs'),
    peerTimerFired: peer.timerFired === true,
    // A timer can only be on time beside a task that actually runs: how busy the task was.
    projectEventsBeforeTimer: numberField(project, 'eventsBeforeTimer'),
    projectLateMs,
    projectTimerFired: project.timerFired === true,
    target: `project's timer fires <= ${MAX_LATENESS_MS} ms late`,
  };
};
