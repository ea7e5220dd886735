//! numpy-style broadcasting of several operands to one shape, as upstream `normal_kl` relies on
//! (batches against scalars, `[B,1,1,1]` against `[B,C,H,W]`).

use crate::Error;

/// The shape all `shapes` broadcast to under numpy rules (align trailing axes; a length-1 axis
/// stretches), or an error naming the first two shapes that conflict.
pub fn broadcast_shape(function: &'static str, shapes: &[&[usize]]) -> Result<Vec<usize>, Error> {
    let rank = shapes.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut out = vec![1usize; rank];
    // `owner[i]` remembers which operand fixed axis i, so the error can name both culprits.
    let mut owner = vec![None::<&[usize]>; rank];
    for &shape in shapes {
        let offset = rank - shape.len();
        for (i, &len) in shape.iter().enumerate() {
            let axis = offset + i;
            if len == out[axis] || len == 1 {
                continue;
            }
            if out[axis] == 1 {
                out[axis] = len;
                owner[axis] = Some(shape);
            } else {
                return Err(Error::Broadcast {
                    function,
                    left: owner[axis].unwrap_or(&[]).to_vec(),
                    right: shape.to_vec(),
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_rules() {
        assert_eq!(broadcast_shape("t", &[&[4, 1, 1, 1], &[4, 3, 8, 8]]).unwrap(), vec![4, 3, 8, 8]);
        assert_eq!(broadcast_shape("t", &[&[], &[2, 3]]).unwrap(), vec![2, 3]);
        assert_eq!(broadcast_shape("t", &[&[3], &[2, 1], &[1, 1, 1]]).unwrap(), vec![1, 2, 3]);
        assert_eq!(broadcast_shape("t", &[&[0], &[1]]).unwrap(), vec![0]);
        assert_eq!(
            broadcast_shape("t", &[&[2, 3], &[3, 3]]),
            Err(Error::Broadcast { function: "t", left: vec![2, 3], right: vec![3, 3] })
        );
    }
}
