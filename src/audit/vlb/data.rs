//! The synthetic batch of the variational-bound section: seeded images on the pixel grid, `x_t` drawn
//! from `q(x_t | x_start)` at every timestep, and a model given as data (a slightly wrong `pred_xstart`,
//! a learned-range `model_var_values` per image and channel), every value an f32 so that each
//! configuration, f32 or f64, sees the same inputs and the reference sees them exactly.

use super::super::sample::Stream;
use super::super::Settings;
use crate::upstream::derived::{derived_array, DerivedArray};
use crate::upstream::schedule::{beta_schedule, Schedule};
use crate::Error;

/// Channels and pixels per channel of each image (`[B, 3, 8, 8]`).
pub const CHANNELS: usize = 3;
/// Pixels per channel (8 x 8).
pub const PIXELS: usize = 64;
/// `T` of the section.
pub const STEPS: u64 = 1000;
/// Scale of the model's error: `pred_xstart = x_start + ERROR_SCALE sqrt(1 - abar_t) g`, `g ~ N(0, 1)`,
/// clipped to [-1, 1] (`clip_denoised`), so the model is about as wrong as the noise it removes allows.
pub const ERROR_SCALE: f64 = 0.5;

/// One schedule's batch (row-major `[B, C, P]` per timestep, timestep-major across timesteps).
#[derive(Debug, Clone)]
pub struct Batch {
    /// The schedule.
    pub schedule: Schedule,
    /// Images B.
    pub images: usize,
    /// `x_start` (`B C P` values, `k / 127.5 - 1`).
    pub x_start: Vec<f32>,
    /// `x_t` at every timestep (`T B C P`).
    pub x_t: Vec<f32>,
    /// `pred_xstart` at every timestep (`T B C P`).
    pub pred_xstart: Vec<f32>,
    /// `model_var_values` at every timestep, one per image and channel (`T B C`), in [-1, 1).
    pub model_var_values: Vec<f32>,
}

impl Batch {
    /// Values per image.
    pub fn per_image(&self) -> usize {
        CHANNELS * PIXELS
    }
}

/// The batch of `schedule` in an audit with `settings` (stream `40 + schedule`; `x_t` and the model's
/// error from upstream's float64 `sqrt_alphas_cumprod` and `sqrt_one_minus_alphas_cumprod`: data only).
pub fn batch(settings: &Settings, schedule: Schedule) -> Result<Batch, Error> {
    let k = Schedule::ALL.iter().position(|&s| s == schedule).unwrap_or_default() as u64;
    let stream = Stream::new(settings.seed, 40 + k);
    let images = settings.vlb_images;
    let n = images * CHANNELS * PIXELS;
    let betas = beta_schedule::<f64>(schedule, STEPS);
    let signal = derived_array(&betas, DerivedArray::SqrtAlphasCumprod)?;
    let noise = derived_array(&betas, DerivedArray::SqrtOneMinusAlphasCumprod)?;
    let x_start: Vec<f32> = (0..n as u64)
        .map(|i| (stream.fork(0).uniform(i, 0.0, 256.0).floor().min(255.0)) / 127.5 - 1.0)
        .collect();
    let (mut x_t, mut pred_xstart) = (Vec::with_capacity(n * STEPS as usize), Vec::new());
    for t in 0..STEPS as usize {
        for (i, &x) in x_start.iter().enumerate() {
            let j = (t * n + i) as u64;
            let x = f64::from(x);
            x_t.push((signal[t] * x + noise[t] * stream.fork(1).normal(j)) as f32);
            let wrong = x + ERROR_SCALE * noise[t] * stream.fork(2).normal(j);
            pred_xstart.push(wrong.clamp(-1.0, 1.0) as f32);
        }
    }
    let model_var_values =
        (0..STEPS * (images * CHANNELS) as u64).map(|i| stream.fork(3).uniform(i, -1.0, 1.0)).collect();
    Ok(Batch { schedule, images, x_start, x_t, pred_xstart, model_var_values })
}
