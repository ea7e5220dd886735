#[test]
fn timing() {
    use ddpm_golden::reference as r;
    let t = std::time::Instant::now();
    for i in 0..200 {
        let _ = r::phi(-8.0 + i as f64 * 0.0791);
    }
    eprintln!("phi {:?}", t.elapsed() / 200);
    let t = std::time::Instant::now();
    for i in 0..200 {
        let _ = r::tanh_cdf(-8.0 + i as f64 * 0.0791);
    }
    eprintln!("tanh {:?}", t.elapsed() / 200);
    let t = std::time::Instant::now();
    for i in 0..100 {
        let _ =
            r::discretized_gaussian_log_likelihood(0.5, 0.49 + i as f64 * 1e-4, -4.0, r::Variant::Gaussian);
    }
    eprintln!("loglik {:?}", t.elapsed() / 100);
    let t = std::time::Instant::now();
    for i in 0..100 {
        let _ = r::normal_kl(0.5, -3.0 + i as f64 * 1e-7, 0.5001, -3.0);
    }
    eprintln!("kl {:?}", t.elapsed() / 100);
    let data: Vec<f64> = (0..196608).map(|i| ((i * 7919) % 1000) as f64 * 0.00123 + 0.1).collect();
    let t = std::time::Instant::now();
    let _ = r::mean_flat_row(&data);
    eprintln!("mean 196608 {:?}", t.elapsed());
}
