"""Run the same work in several threads at once, each as its own worker with its own session."""

import threading

from rota.extensions import db


def at_once(app, count: int, work) -> list:
    """Start `count` threads that call work() together (a barrier), each in its own app
    context, committing after; returns what each returned."""
    results, barrier = [], threading.Barrier(count)

    def worker():
        with app.app_context():
            barrier.wait()
            results.append(work())
            db.session.commit()
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
