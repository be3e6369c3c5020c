/** Whether a process of this machine is running: for locks a dead process left behind. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // It exists, but belongs to another user.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
