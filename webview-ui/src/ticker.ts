// Elapsed times of running tasks move every second; nothing else does, so the clock only ticks
// while its host shows something that is still running.
import type { ReactiveController, ReactiveControllerHost } from 'lit';

export class Ticker implements ReactiveController {
  now = Date.now();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly active: () => boolean,
  ) {
    host.addController(this);
  }

  hostUpdate(): void {
    this.now = Date.now();
  }

  hostUpdated(): void {
    const want = this.active();
    if (want && !this.timer) {
      this.timer = setInterval(() => this.host.requestUpdate(), 1000);
    } else if (!want && this.timer) {
      this.stop();
    }
  }

  hostDisconnected(): void {
    this.stop();
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
