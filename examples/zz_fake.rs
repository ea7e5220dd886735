// Throwaway: converts the v1 exhaustive.json into the v2 layout for local testing only (never committed).
use ddpm_golden::audit::exhaustive::*;
fn main() {
    let p = "docs/accuracy/exhaustive.json";
    let mut v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
    v["format"] = FORMAT.into();
    v["fingerprint"] = serde_json::to_value(Fingerprint::current()).unwrap();
    v["results_sha256"] = "".into();
    v["truth_check"] = serde_json::json!({"stride": TRUTH_STRIDE, "points": 0, "phi": null, "formula": null});
    for var in v["variants"].as_array_mut().unwrap() {
        var["label"] = "exhaustive".into();
        var["vs_phi"]["truth"] = "engine".into();
        if !var["vs_formula"].is_null() {
            var["vs_formula"]["truth"] = "engine".into();
        }
    }
    let mut ex: Exhaustive = serde_json::from_value(v).unwrap();
    ex.results_sha256 = results_sha256(&ex);
    std::fs::write(p, serde_json::to_string_pretty(&ex).unwrap() + "\n").unwrap();
    println!("{:?}", problems(&ex).unwrap());
}
