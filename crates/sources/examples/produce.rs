//! Benchmark helper (not a test): produces each data row of a CSV to a
//! Kafka topic as a JSON object, numbers as numbers, empty cells as null.
//!
//!     cargo run --release -p glassbox-sources --example produce -- 127.0.0.1:9092 TOPIC FILE.csv

use rskafka::client::partition::{Compression, UnknownTopicHandling};
use rskafka::client::ClientBuilder;
use rskafka::record::Record;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (broker, topic, file) = (&args[1], &args[2], &args[3]);
    let mut reader = csv::Reader::from_path(file).expect("the CSV opens");
    let header: Vec<String> = reader.headers().expect("a header").iter().map(str::to_string).collect();
    let messages: Vec<Vec<u8>> = reader
        .records()
        .map(|r| {
            let r = r.expect("a record");
            let mut m = serde_json::Map::new();
            for (k, v) in header.iter().zip(r.iter()) {
                let value = if v.is_empty() {
                    serde_json::Value::Null
                } else if let Ok(n) = v.parse::<i64>() {
                    n.into()
                } else if let Ok(x) = v.parse::<f64>() {
                    x.into()
                } else {
                    v.into()
                };
                m.insert(k.clone(), value);
            }
            serde_json::to_vec(&m).unwrap()
        })
        .collect();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let client = ClientBuilder::new(vec![broker.clone()]).build().await.expect("the broker answers");
        client.controller_client().unwrap().create_topic(topic.as_str(), 1, 1, 5_000).await.expect("topic created");
        let pc = client.partition_client(topic.as_str(), 0, UnknownTopicHandling::Retry).await.unwrap();
        for batch in messages.chunks(5_000) {
            let records = batch
                .iter()
                .map(|v| Record {
                    key: None,
                    value: Some(v.clone()),
                    headers: Default::default(),
                    timestamp: Default::default(),
                })
                .collect();
            pc.produce(records, Compression::NoCompression).await.expect("produced");
        }
    });
    println!("produced {} messages to {topic}", messages.len());
}
