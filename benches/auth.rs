//! Password check benchmark: the time one argon2id check (19 MiB, 2 passes) takes in a
//! worker, and checks per second through the pool with one and two workers.
//! Run: `cargo bench --bench auth`.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use postie::auth::PasswordChecks;
use std::time::Instant;

const CHECKS: usize = 64;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let stored = postie::auth::hash_password("bench password").unwrap();
    runtime.block_on(async {
        let one = PasswordChecks::with_workers(1, CHECKS);
        // The first check fills the worker's block; time the ones after it.
        assert_eq!(one.verify("bench password", Some(&stored)).await, Ok(true));
        let start = Instant::now();
        for _ in 0..16 {
            assert_eq!(one.verify("wrong", Some(&stored)).await, Ok(false));
        }
        let per_check = start.elapsed() / 16;
        println!(
            "one check in a worker: {:.1} ms",
            per_check.as_secs_f64() * 1e3
        );

        for workers in [1, 2] {
            let checks = PasswordChecks::with_workers(workers, CHECKS);
            let warm: Vec<_> = (0..workers)
                .map(|_| {
                    let checks = checks.clone();
                    let stored = stored.clone();
                    tokio::spawn(async move { checks.verify("warm", Some(&stored)).await })
                })
                .collect();
            for task in warm {
                task.await.unwrap().unwrap();
            }
            let start = Instant::now();
            let tasks: Vec<_> = (0..CHECKS)
                .map(|_| {
                    let checks = checks.clone();
                    let stored = stored.clone();
                    tokio::spawn(async move { checks.verify("wrong", Some(&stored)).await })
                })
                .collect();
            for task in tasks {
                assert_eq!(task.await.unwrap(), Ok(false));
            }
            let rate = CHECKS as f64 / start.elapsed().as_secs_f64();
            println!("{workers} worker(s), {CHECKS} checks at once: {rate:.1} checks/s");
        }
    });
}
