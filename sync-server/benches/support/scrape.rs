//! Reads one sample of a server's `/metrics`, for benches and tests that
//! wait on or report what the server counts.

/// The value of the sample line `series` (its name with any labels).
pub fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

/// `series` as the server at `url` reports it now.
pub async fn metric(url: &str, series: &str) -> Option<f64> {
    let text = reqwest::get(format!("{url}/metrics"))
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    sample(&text, series)
}
