package dev.cohort.protocol;

/**
 * IEEE 754 half precision conversions (Java 17 has no {@code Float.floatToFloat16}).
 *
 * <p>Rounds to nearest, ties to even, like the hardware conversions; values at or above 65520
 * become infinity, values below 2^-24 / 2 become (signed) zero, NaN stays NaN.
 */
final class Float16 {

  private Float16() {}

  static short fromFloat(float value) {
    int bits = Float.floatToRawIntBits(value);
    int sign = (bits >>> 16) & 0x8000;
    int magnitude = bits & 0x7fffffff;
    if (magnitude >= 0x7f800000) {
      boolean nan = magnitude > 0x7f800000;
      return (short) (sign | 0x7c00 | (nan ? 0x200 : 0));
    }
    if (magnitude >= 0x477ff000) {
      return (short) (sign | 0x7c00);
    }
    if (magnitude < 0x38800000) {
      // Below the smallest normal half (2^-14): a subnormal counts units of 2^-24, and scaling by
      // 2^24 is exact in float, so rint gives the correctly rounded (ties-to-even) count.
      int units = (int) Math.rint(Float.intBitsToFloat(magnitude) * 0x1p24f);
      return (short) (sign | units);
    }
    int exponent = ((magnitude >>> 23) - 112) << 10;
    int mantissa = magnitude & 0x7fffff;
    int half = exponent | (mantissa >>> 13);
    int rest = mantissa & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) {
      half++; // a carry out of the mantissa correctly bumps the exponent
    }
    return (short) (sign | half);
  }

  /** Every half's value, by its 16 bits: decoding is one lookup. */
  private static final float[] VALUES = new float[1 << 16];

  static {
    for (int bits = 0; bits < VALUES.length; bits++) {
      VALUES[bits] = convert((short) bits);
    }
  }

  static float toFloat(short half) {
    return VALUES[half & 0xffff];
  }

  private static float convert(short half) {
    int bits = half & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exponent = (bits >>> 10) & 0x1f;
    int mantissa = bits & 0x3ff;
    if (exponent == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
    }
    if (exponent == 0) {
      float magnitude = mantissa * 0x1p-24f;
      return sign == 0 ? magnitude : -magnitude;
    }
    return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
  }
}
