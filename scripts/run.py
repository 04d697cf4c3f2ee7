#!/usr/bin/env python3
"""`make run`: start Rasa, the action server and the gateway; stop all three on Ctrl-C."""

from __future__ import annotations

import os
import signal
import sys
import time

from stack import Stack, StackError


def main() -> int:
    stack = Stack(
        rasa_port=int(os.environ.get("RASA_PORT", 5005)),
        actions_port=int(os.environ.get("ACTIONS_PORT", 5055)),
        gateway_port=int(os.environ.get("PORT", 8080)),
    )
    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        print("==> starting the action server, the Rasa server and the gateway "
              f"(logs in {stack.log_dir})", flush=True)
        stack.start(progress=True)
        print(
            "\n311 assistant is up:\n"
            f"  demo page / page de démonstration  {stack.gateway_url}/\n"
            f"  health / état                      {stack.gateway_url}/health\n"
            f"  agent console / console            {stack.gateway_url}/console\n"
            f"  Open311 API                        {stack.gateway_url}/open311/v2/services.json\n"
            f"  Rasa HTTP API                      {stack.rasa_url}/\n"
            f"  action server                      {stack.actions_url}/health\n"
            "Press Ctrl-C to stop. / Ctrl-C pour arrêter.",
            flush=True,
        )
        while True:
            for service in stack.services:
                if not service.alive():
                    raise StackError(f"{service.name} stopped unexpectedly:\n{service.log_tail()}")
            time.sleep(1)
    except KeyboardInterrupt:
        print("\n==> stopping", flush=True)
        return 0
    except StackError as error:
        print(f"run: error: {error}", file=sys.stderr, flush=True)
        return 1
    finally:
        stack.stop()
        print("==> all processes stopped", flush=True)


if __name__ == "__main__":
    sys.exit(main())
