"""Starts `vcdlb kube-sim` for the real-client tests and stops it again."""

import os
import subprocess
import tempfile
import threading
import time

_T0 = time.monotonic()

SKIP = 77  # CTest SKIP_RETURN_CODE


class KubeSim:
    """A `vcdlb kube-sim` child process on 127.0.0.1 with its own kubeconfig."""

    def __init__(self, vcdlb, *extra):
        self.dir = tempfile.mkdtemp(prefix="kube-sim-test-")
        self.kubeconfig = os.path.join(self.dir, "kubeconfig")
        self.proc = subprocess.Popen(
            [vcdlb, "kube-sim", "--listen", "127.0.0.1:0", "--kubeconfig-out", self.kubeconfig,
             *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = [None]

        def read_first():
            line[0] = self.proc.stdout.readline()

        reader = threading.Thread(target=read_first, daemon=True)
        reader.start()
        reader.join(15)
        first = line[0] or ""
        if not first.startswith("kube-sim listening on "):
            self.stop()
            raise RuntimeError("kube-sim did not start: %r %s" % (first, self.proc.stderr.read()))
        self.url = first.split()[-1]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: the command exits cleanly
            try:
                code = self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError("kube-sim ignored SIGTERM")
            if code != 0:
                raise RuntimeError("kube-sim exited with %d after SIGTERM" % code)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok: [%5.2fs] %s" % (time.monotonic() - _T0, what), flush=True)
