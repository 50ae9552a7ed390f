import {setTimeout as delay} from 'node:timers/promises';
import type {ClaimCutProxy} from './createClaimCutProxy.ts';
import type {ChaosChildren} from './startChildren.ts';
import type {ChaosContext, Fault} from './types.ts';

export type InjectedFault = {
  readonly downMs: number | null;
  /** When the fault began: the kill, the server's stop, the cut. */
  readonly faultStartedAt: number;
  /** When the fault was over: the kill done, the server back, the reply dropped. */
  readonly faultEndedAt: number;
  readonly killedPids: ReadonlySet<number>;
  readonly notes: readonly string[];
};

/** Does what `fault` says to the scenario's processes, servers or proxy, and tells when it was over. */
export const injectFault = async (fault: Fault, {context, isHolding, processes, proxy, workers}: {
  readonly context: ChaosContext;
  /** Whether the process holds work (RUNNING executions or jobs); a kill waits (at most 3 s) until its victim does. */
  readonly isHolding?: (pid: number) => Promise<boolean>;
  readonly processes: ChaosChildren;
  readonly proxy: ClaimCutProxy | null;
  readonly workers: ChaosChildren | null;
}): Promise<InjectedFault> => {
  switch (fault.type) {
    case 'kill': {
      const victim = (fault.target === 'worker' ? workers : processes)?.children[0];

      if (victim === undefined) {
        throw new Error(`No ${fault.target} to kill.`);
      }

      const deadline = Date.now() + 3_000;
      let holding = false;

      while (isHolding !== undefined && !holding && Date.now() < deadline) {
        holding = await isHolding(victim.pid).catch(() => false);

        if (!holding) {
          await delay(20);
        }
      }

      const faultStartedAt = Date.now();

      await victim.kill();

      return {
        downMs: null,
        faultEndedAt: Date.now(),
        faultStartedAt,
        killedPids: new Set([victim.pid]),
        notes: isHolding === undefined ? [] : [holding ? 'the killed process held work' : 'the killed process held no work within 3 s'],
      };
    }

    case 'restart': {
      const server = await context.getServer(fault.server);
      const faultStartedAt = Date.now();
      const {downMs} = await server.restart();

      return {downMs, faultEndedAt: Date.now(), faultStartedAt, killedPids: new Set(), notes: []};
    }

    case 'cut': {
      if (proxy === null) {
        throw new Error('The cut needs the proxy.');
      }

      proxy.arm();

      const deadline = Date.now() + 15_000;

      while (proxy.getCut() === null && Date.now() < deadline) {
        await delay(10);
      }

      const cut = proxy.getCut();

      if (cut === null) {
        return {downMs: null, faultEndedAt: Date.now(), faultStartedAt: Date.now(), killedPids: new Set(), notes: ['no claim that took rows passed the proxy within 15 s: nothing was cut']};
      }

      return {downMs: null, faultEndedAt: cut.cutAt, faultStartedAt: cut.cutAt, killedPids: new Set(), notes: [`the reply to a claim of ${cut.rows} instruction(s) was dropped after its COMMIT`]};
    }
  }
};
