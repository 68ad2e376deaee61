import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def jpeg(name: str = "ket-qua.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 120, 200)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")
