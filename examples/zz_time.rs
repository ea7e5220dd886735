use ddpm_golden::audit::*;
use std::time::Instant;
fn main() {
    let s = Settings::quick();
    let t = Instant::now();
    cdf::audit(&s).unwrap();
    println!("cdf {:.1}", t.elapsed().as_secs_f64());
    let t = Instant::now();
    loglik::audit(&s).unwrap();
    println!("loglik {:.1}", t.elapsed().as_secs_f64());
    let t = Instant::now();
    kl::audit(&s).unwrap();
    println!("kl {:.1}", t.elapsed().as_secs_f64());
    let t = Instant::now();
    mean::audit(&s).unwrap();
    println!("mean {:.1}", t.elapsed().as_secs_f64());
    let t = Instant::now();
    cdf::curves().unwrap();
    println!("curves {:.1}", t.elapsed().as_secs_f64());
    let t = Instant::now();
    loglik::heatmaps().unwrap();
    println!("heatmaps {:.1}", t.elapsed().as_secs_f64());
}
