// gaitback reference firmware: MPU-6050 (or MPU-6500/9250) on an ESP32, streaming the
// gaitback binary protocol v1 (docs/stream-protocol.md) over USB serial, or over BLE
// notifications with -DGAITBACK_BLE (ESP32 Arduino core's BLE library).
//
// Wiring (ESP32 DevKit): MPU SDA -> GPIO21, SCL -> GPIO22, VCC -> 3V3, GND -> GND,
// AD0 -> GND (I2C address 0x68). Clip the board on the sacrum with the IMU's x axis up,
// y to the runner's left, z backward (or edit [mount] axes in the profile).
//
// Host profile: firmware_config/gaitback-serial.toml (or gaitback-ble.toml).
// Works on nRF52 boards (Adafruit Feather nRF52840) with the serial path unchanged.

#include <Arduino.h>
#include <Wire.h>

// ---- settings ---------------------------------------------------------------------
static const uint16_t SAMPLE_RATE_HZ = 200;     // 1000 max for the MPU-6050
static const uint8_t SAMPLES_PER_PACKET = 8;    // 8 x 12 + 24 = 120-byte packets
static const uint8_t ACC_RANGE_G = 16;          // matches ACCEL_CONFIG below
static const uint16_t GYRO_RANGE_DPS = 2000;    // matches GYRO_CONFIG below
static const uint32_t SERIAL_BAUD = 921600;     // ignored by USB CDC boards
static const uint8_t MPU_ADDR = 0x68;

// ---- MPU-6050 registers (datasheet register map) ------------------------------------
static const uint8_t REG_SMPLRT_DIV = 0x19;
static const uint8_t REG_CONFIG = 0x1A;
static const uint8_t REG_GYRO_CONFIG = 0x1B;
static const uint8_t REG_ACCEL_CONFIG = 0x1C;
static const uint8_t REG_ACCEL_XOUT_H = 0x3B;   // 14 bytes: acc xyz, temperature, gyro xyz
static const uint8_t REG_PWR_MGMT_1 = 0x6B;

#ifdef GAITBACK_BLE
#include <BLE2902.h>
#include <BLEDevice.h>
#include <BLEServer.h>
static const char *SERVICE_UUID = "6a8b0001-4b5e-4c8a-9e3d-67616974626b";
static const char *NOTIFY_UUID = "6a8b0002-4b5e-4c8a-9e3d-67616974626b";
static const char *WRITE_UUID = "6a8b0003-4b5e-4c8a-9e3d-67616974626b";
static BLECharacteristic *notifyChar = nullptr;
#endif

static uint8_t packet[22 + SAMPLES_PER_PACKET * 12 + 2];
static uint8_t inPacket = 0;        // samples already in `packet`
static uint16_t seq = 0;            // packet counter
static uint32_t sampleIndex = 0;    // keeps counting while not streaming (see protocol)
static uint32_t nextSampleUs = 0;
static volatile bool streaming = false;
static char command[16];
static uint8_t commandLen = 0;

static void mpuWrite(uint8_t reg, uint8_t value) {
  Wire.beginTransmission(MPU_ADDR);
  Wire.write(reg);
  Wire.write(value);
  Wire.endTransmission();
}

static bool mpuRead(uint8_t reg, uint8_t *buf, uint8_t len) {
  Wire.beginTransmission(MPU_ADDR);
  Wire.write(reg);
  if (Wire.endTransmission(false) != 0) return false;
  if (Wire.requestFrom(MPU_ADDR, len) != len) return false;
  for (uint8_t i = 0; i < len; i++) buf[i] = Wire.read();
  return true;
}

// CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF (check value 0x29B1 for "123456789").
static uint16_t crc16(const uint8_t *data, size_t len) {
  uint16_t crc = 0xFFFF;
  for (size_t i = 0; i < len; i++) {
    crc ^= (uint16_t)data[i] << 8;
    for (uint8_t b = 0; b < 8; b++) crc = (crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1;
  }
  return crc;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = v & 0xFF; p[1] = v >> 8; }
static void put32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = v >> (8 * i); }

static void startPacket(uint32_t firstIndex, uint32_t firstUs) {
  packet[0] = 0xA5; packet[1] = 0x5A; packet[2] = 1; packet[3] = 0x01;  // v1, gyro
  put16(packet + 6, seq);
  put32(packet + 8, firstIndex);
  put32(packet + 12, firstUs);
  put16(packet + 16, SAMPLE_RATE_HZ);
  packet[19] = ACC_RANGE_G;
  put16(packet + 20, GYRO_RANGE_DPS);
}

static void sendPacket() {
  const uint8_t n = inPacket;
  const size_t body = 22 + n * 12;
  put16(packet + 4, body - 6);
  packet[18] = n;
  put16(packet + body, crc16(packet + 2, body - 2));
#ifdef GAITBACK_BLE
  notifyChar->setValue(packet, body + 2);
  notifyChar->notify();
#else
  Serial.write(packet, body + 2);
#endif
  seq++;
  inPacket = 0;
}

static void handleCommand(const char *line) {
  if (strcmp(line, "START") == 0) streaming = true;
  else if (strcmp(line, "STOP") == 0) { streaming = false; inPacket = 0; }
}

static void readCommands() {
  while (Serial.available()) {
    char c = Serial.read();
    if (c == '\n' || c == '\r') {
      command[commandLen] = 0;
      if (commandLen) handleCommand(command);
      commandLen = 0;
    } else if (commandLen < sizeof(command) - 1) {
      command[commandLen++] = c;
    }
  }
}

#ifdef GAITBACK_BLE
class CommandCallbacks : public BLECharacteristicCallbacks {
  void onWrite(BLECharacteristic *c) override {
    String v = c->getValue();
    v.trim();
    handleCommand(v.c_str());
  }
};
class ServerCallbacks : public BLEServerCallbacks {
  void onDisconnect(BLEServer *s) override {
    streaming = false;
    s->getAdvertising()->start();  // let the host reconnect
  }
};
#endif

void setup() {
  Serial.begin(SERIAL_BAUD);
  Wire.begin();
  Wire.setClock(400000);
  mpuWrite(REG_PWR_MGMT_1, 0x01);     // wake up, PLL with gyro x as clock
  delay(100);
  mpuWrite(REG_CONFIG, 0x02);         // DLPF ~94 Hz: keeps impact peaks, cuts aliasing
  mpuWrite(REG_SMPLRT_DIV, 1000 / SAMPLE_RATE_HZ - 1);
  mpuWrite(REG_GYRO_CONFIG, 0x18);    // +-2000 deg/s
  mpuWrite(REG_ACCEL_CONFIG, 0x18);   // +-16 g: landing peaks at the sacrum reach ~3 g,
                                      // but a knock on the sensor must not clip
#ifdef GAITBACK_BLE
  BLEDevice::init("gaitback-imu");
  BLEDevice::setMTU(185);             // 8 samples need MTU >= 123
  BLEServer *server = BLEDevice::createServer();
  server->setCallbacks(new ServerCallbacks());
  BLEService *service = server->createService(SERVICE_UUID);
  notifyChar = service->createCharacteristic(NOTIFY_UUID, BLECharacteristic::PROPERTY_NOTIFY);
  notifyChar->addDescriptor(new BLE2902());
  BLECharacteristic *writeChar = service->createCharacteristic(
      WRITE_UUID, BLECharacteristic::PROPERTY_WRITE | BLECharacteristic::PROPERTY_WRITE_NR);
  writeChar->setCallbacks(new CommandCallbacks());
  service->start();
  BLEAdvertising *adv = BLEDevice::getAdvertising();
  adv->addServiceUUID(SERVICE_UUID);
  adv->start();
#endif
  nextSampleUs = micros();
}

void loop() {
  readCommands();
  const uint32_t now = micros();
  if ((int32_t)(now - nextSampleUs) < 0) return;
  // Schedule from the previous deadline, not from `now`, so the rate does not drift.
  const uint32_t takenUs = nextSampleUs;
  nextSampleUs += 1000000UL / SAMPLE_RATE_HZ;
  uint8_t raw[14];
  const bool ok = mpuRead(REG_ACCEL_XOUT_H, raw, sizeof(raw));
  const uint32_t index = sampleIndex++;
  if (!streaming || !ok) {
    // A failed I2C read is a lost sample: the index still advances, so the host sees
    // and counts the gap instead of receiving an invented value.
    if (inPacket) sendPacket();
    return;
  }
  if (inPacket == 0) startPacket(index, takenUs);
  // MPU registers are big-endian; the protocol is little-endian. Skip temperature.
  uint8_t *s = packet + 22 + inPacket * 12;
  const uint8_t order[6] = {0, 2, 4, 8, 10, 12};
  for (uint8_t k = 0; k < 6; k++) { s[2 * k] = raw[order[k] + 1]; s[2 * k + 1] = raw[order[k]]; }
  inPacket++;
  if (inPacket == SAMPLES_PER_PACKET) sendPacket();
}
